# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The ``channels_last`` option of RotationDataPreprocessor (docs/speed.md)."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401

NORM = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)


def _batch(n=3, size=8):
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randint(
        0, 256, (n, 3, size, size), generator=gen, dtype=torch.uint8)
    return dict(inputs=inputs, data_samples=[DataSample() for _ in range(n)])


@pytest.mark.parametrize('mode', ['all', 'random'])
def test_channels_last_changes_layout_not_values(mode):
    torch.manual_seed(1)
    plain = MODELS.build(
        dict(type='RotationDataPreprocessor', mode=mode, **NORM))(
            _batch(), training=True)
    torch.manual_seed(1)
    fast = MODELS.build(
        dict(
            type='RotationDataPreprocessor',
            mode=mode,
            channels_last=True,
            **NORM))(
                _batch(), training=True)
    assert len(plain['inputs']) == len(fast['inputs'])
    for x, y in zip(plain['inputs'], fast['inputs']):
        assert x.is_contiguous()
        assert y.is_contiguous(memory_format=torch.channels_last)
        assert not y.is_contiguous()
        assert torch.equal(x, y)
    for a, b in zip(plain['data_samples'], fast['data_samples']):
        assert torch.equal(a.rot_label, b.rot_label)


def test_channels_last_model_loss_matches_default():
    cfg = dict(
        type='RotationPred',
        backbone=dict(type='ResNet', depth=18, out_indices=[3]),
        head=dict(type='RotationHead', num_classes=4, in_channels=512))
    torch.manual_seed(0)
    plain = MODELS.build(
        dict(
            cfg,
            data_preprocessor=dict(type='RotationDataPreprocessor', **NORM)))
    fast = MODELS.build(
        dict(
            cfg,
            data_preprocessor=dict(
                type='RotationDataPreprocessor', channels_last=True, **NORM)))
    fast.load_state_dict(plain.state_dict())
    data = _batch(n=2, size=32)
    loss_plain = plain(**plain.data_preprocessor(data, True), mode='loss')
    loss_fast = fast(**fast.data_preprocessor(data, True), mode='loss')
    torch.testing.assert_close(
        loss_fast['loss'], loss_plain['loss'], rtol=1e-4, atol=1e-5)
