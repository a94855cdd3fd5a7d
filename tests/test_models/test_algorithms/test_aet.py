# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""AET and AVT: Siamese encoding, the decoders' losses and training on a
tiny batch."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401


def _model(kind='AET', num_params=8):
    head = 'TransformDecoderHead' if kind == 'AET' else \
        'GaussianTransformDecoderHead'
    return MODELS.build(
        dict(
            type=kind,
            backbone=dict(type='NIN', num_stages=1),
            head=dict(type=head, in_channels=96, num_params=num_params)))


def _batch(num=4, num_params=8, size=16):
    torch.manual_seed(0)
    views = [torch.randn(num, 3, size, size) for _ in range(2)]
    samples = []
    for _ in range(num):
        sample = DataSample()
        sample.set_field(torch.randn(num_params), 'transform_target')
        samples.append(sample)
    return views, samples


def test_aet_loss_is_mse_of_decoded_concatenation():
    model = _model('AET')
    model.eval()  # BN with running statistics: views encode independently
    views, samples = _batch()
    target = torch.stack([s.transform_target for s in samples])
    loss = model.loss(views, samples)['loss']
    pooled = [model.backbone(v)[-1].mean((2, 3)) for v in views]
    pred = model.head.decoder(torch.cat(pooled, dim=1))
    assert torch.allclose(loss, F.mse_loss(pred, target), atol=1e-6)
    # Siamese: one encoder; swapping the views changes the prediction
    swapped = model.head(model.backbone(views[1]), model.backbone(views[0]))
    assert not torch.allclose(swapped, pred)
    out = model.predict(views, samples)
    assert torch.allclose(
        torch.stack([s.pred_transform for s in out]), pred, atol=1e-6)


def test_avt_loss_is_gaussian_nll():
    model = _model('AVT')
    model.eval()
    views, samples = _batch()
    target = torch.stack([s.transform_target for s in samples])
    losses = model.loss(views, samples)
    assert set(losses) == {'loss', 'mse', 'sigma'}
    mean, log_var = model.head.predict_gaussian(
        model.backbone(views[0]), model.backbone(views[1]))
    nll = (
        0.5 *
        (log_var +
         (target - mean)**2 / log_var.exp() + math.log(2 * math.pi))).mean()
    assert torch.allclose(losses['loss'], nll, atol=1e-6)
    # the NLL of a unit Gaussian at its mean is 0.5 log(2 pi)
    zero = torch.zeros(2, 8)
    assert math.isclose(
        model.head.nll(zero, zero, zero).item(),
        0.5 * math.log(2 * math.pi),
        rel_tol=1e-6)
    out = model.predict(views, samples)
    assert out[0].pred_transform_log_var.shape == (8, )


@pytest.mark.parametrize('kind', ['AET', 'AVT'])
def test_loss_falls_on_tiny_batch(kind):
    model = _model(kind, num_params=6)
    views, samples = _batch(num_params=6)
    model.init_weights()
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(15):
        loss = model.loss(views, samples)['loss']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_clear_errors():
    model = _model('AET')
    views, samples = _batch(num_params=6)
    with pytest.raises(ValueError, match='num_params'):
        model.loss(views, samples)
    with pytest.raises(ValueError, match='two views'):
        model.loss(views[:1], samples)
    with pytest.raises(KeyError, match='transform_target'):
        model.loss(views, [DataSample() for _ in range(4)])
