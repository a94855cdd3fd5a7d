# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401


def _model(**kwargs):
    cfg = dict(
        type='RotationPred',
        data_preprocessor=dict(
            type='RotationDataPreprocessor', mean=[0.] * 3, std=[1.] * 3),
        backbone=dict(type='ResNet', depth=18, out_indices=[3]),
        head=dict(type='RotationHead', num_classes=4, in_channels=512))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _data(n=4, size=32):
    torch.manual_seed(0)
    imgs = torch.rand(n, 3, size, size) * 255
    imgs[:, :, :8, :8] = 255  # an orientation cue
    return dict(inputs=imgs, data_samples=[DataSample() for _ in range(n)])


def test_loss_and_accuracy_keys():
    model = _model()
    data = model.data_preprocessor(_data(), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss', 'acc_rot'}
    assert losses['loss'].dim() == 0


def test_loss_falls():
    model = _model()
    optim = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    data = _data()
    first = None
    for _ in range(12):
        batch = model.data_preprocessor(data, training=True)
        loss = model(**batch, mode='loss')['loss']
        optim.zero_grad()
        loss.backward()
        optim.step()
        first = float(loss) if first is None else first
    assert float(loss) < 0.5 * first


def test_tensor_and_predict_modes():
    model = _model().eval()
    data = model.data_preprocessor(_data(n=3), training=False)
    feats = model(data['inputs'], mode='tensor')
    assert feats[0].shape == (12, 512, 1, 1)
    with torch.no_grad():
        preds = model(**data, mode='predict')
    assert len(preds) == 3
    assert preds[0].rot_score.shape == (4, 4)
    assert torch.allclose(preds[0].rot_score.sum(1), torch.ones(4))
    assert preds[0].rot_angle.tolist() == [(0, 90, 180, 270)[k]
                                           for k in preds[0].rot_pred.tolist()]


def test_missing_labels_and_mismatched_head():
    model = _model(data_preprocessor=dict(type='SelfSupDataPreprocessor'))
    with pytest.raises(KeyError, match='rot_label'):
        model(
            torch.rand(2, 3, 32, 32),
            [DataSample(), DataSample()],
            mode='loss')
    with pytest.raises(ValueError, match='num_classes 4'):
        _model(
            angles='eight',
            data_preprocessor=dict(type='SelfSupDataPreprocessor'))
    # the on-device preprocessor takes the model's set: right angles only
    with pytest.raises(ValueError, match='right angles only'):
        _model(angles='eight')


def test_model_fills_its_rotation_set_into_preprocessor_and_head():
    model = _model(
        angles='two_90_270',
        clockwise=True,
        head=dict(type='RotationHead', in_channels=512))
    assert model.data_preprocessor.angles == (90, 270)
    assert model.data_preprocessor.clockwise is True
    assert model.head.num_classes == 2
    plain = _model(data_preprocessor=dict(type='SelfSupDataPreprocessor'))
    assert not hasattr(plain.data_preprocessor, 'angles')


@pytest.mark.parametrize('preprocessor, message', [
    (dict(angles='four'), 'model angles (0, 180) vs data_preprocessor angles '
     '(0, 90, 180, 270); state the set once in model.angles'),
    (dict(clockwise=True), 'model clockwise False vs data_preprocessor '
     'clockwise True; state the set once in model.clockwise'),
])
def test_preprocessor_with_another_set_is_one_line(preprocessor, message):
    from mmselfsup_rot.utils.rotation_set import RotationSetError
    with pytest.raises(RotationSetError) as err:
        _model(
            angles='two_0_180',
            head=dict(type='RotationHead', in_channels=512),
            data_preprocessor=dict(
                type='RotationDataPreprocessor',
                mean=[0.] * 3,
                std=[1.] * 3,
                **preprocessor))
    assert str(err.value).endswith('rotation set mismatch: ' + message)
    assert '\n' not in str(err.value)


def test_clockwise_model_reports_counter_clockwise_angles():
    model = _model(clockwise=True).eval()
    data = model.data_preprocessor(_data(n=2), training=False)
    with torch.no_grad():
        preds = model(**data, mode='predict')
    for sample in preds:
        assert sample.rot_angle.tolist() == [(0, 270, 180, 90)[k]
                                             for k in sample.rot_pred]
