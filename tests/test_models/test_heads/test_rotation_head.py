# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS

from mmselfsup_rot.models.heads import LinearProbeHead, RotationHead


@pytest.mark.parametrize('feats', [
    (torch.rand(6, 8, 3, 3), ),
    torch.rand(6, 8, 3, 3),
    torch.rand(6, 8),
    [torch.rand(6, 4, 5, 5), torch.rand(6, 8, 2, 2)],
])
def test_rotation_head_accepts_backbone_outputs(feats):
    head = RotationHead(num_classes=4, in_channels=8)
    head.init_weights()
    assert head(feats).shape == (6, 4)
    losses = head.loss(feats, torch.tensor([0, 1, 2, 3, 0, 1]))
    assert losses['loss'].requires_grad
    assert 0 <= float(losses['acc_rot']) <= 100


def test_rotation_head_accuracy_exact():
    head = RotationHead(num_classes=4, in_channels=4, pool_type='none')
    with torch.no_grad():
        head.fc.weight.copy_(torch.eye(4))
        head.fc.bias.zero_()
    feats = torch.eye(4)
    out = head.loss(feats, torch.tensor([0, 1, 2, 0]))
    assert float(out['acc_rot']) == pytest.approx(75.0)


def test_rotation_head_errors():
    head = RotationHead(num_classes=4, in_channels=8)
    with pytest.raises(ValueError, match='in_channels'):
        head(torch.rand(2, 5))
    with pytest.raises(ValueError, match='num_classes'):
        head.loss(torch.rand(2, 8), torch.tensor([0, 7]))
    with pytest.raises(ValueError, match='pool_type'):
        RotationHead(pool_type='sum')


def test_linear_probe_head_builds_and_normalises():
    head = MODELS.build(
        dict(type='LinearProbeHead', num_classes=3, in_channels=8))
    assert isinstance(head, LinearProbeHead)
    feats = (torch.rand(5, 8, 2, 2) * 1000, )
    assert head(feats).shape == (5, 3)
    normed = head.pre_logits(feats)
    assert normed.mean(0).abs().max() < 1e-4


def test_rotation_head_per_sample_weight():
    torch.manual_seed(0)
    head = RotationHead(num_classes=4, in_channels=8)
    feats, labels = torch.rand(6, 8), torch.tensor([0, 1, 2, 3, 0, 1])
    weight = torch.tensor([1., 0., .5, 1., .25, 1.])
    logits = head(feats)
    out = head.loss(feats, labels, weight=weight)
    expected = (
        torch.nn.functional.cross_entropy(logits, labels, reduction='none') *
        weight).mean()
    assert torch.allclose(out['loss'], expected)
    # unit weights give the unweighted loss exactly; accuracy ignores them
    plain = head.loss(feats, labels)
    assert torch.equal(
        head.loss(feats, labels, torch.ones(6))['loss'], plain['loss'])
    assert torch.equal(out['acc_rot'], plain['acc_rot'])
