# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The on-device horizontal flip of RotationDataPreprocessor."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.utils.rotation import rot90_tensor


def _batch(n=6, size=8):
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randint(
        0, 256, (n, 3, size, size), generator=gen, dtype=torch.uint8)
    return dict(inputs=inputs, data_samples=[DataSample() for _ in range(n)])


def _build(**kwargs):
    return MODELS.build(dict(type='RotationDataPreprocessor', **kwargs))


@pytest.mark.parametrize('prob', [0., 1.])
def test_flip_then_rotate(prob):
    data = _batch()
    out = _build(flip_prob=prob)(data, training=True)
    src = data['inputs'].float()
    expected = src.flip(-1) if prob else src
    for view, angle in zip(out['inputs'], (0, 90, 180, 270)):
        assert torch.equal(view, rot90_tensor(expected, angle))


def test_flip_draws_per_image_and_only_in_training():
    data = _batch(n=64)
    torch.manual_seed(0)
    out = _build(flip_prob=0.5)(data, training=True)['inputs'][0]
    src = data['inputs'].float()
    flipped = torch.tensor(
        [torch.equal(o, s.flip(-1)) for o, s in zip(out, src)])
    kept = torch.tensor([torch.equal(o, s) for o, s in zip(out, src)])
    assert torch.all(flipped ^ kept)
    assert 16 < int(flipped.sum()) < 48
    val = _build(flip_prob=1.)(_batch(), training=False)['inputs'][0]
    assert torch.equal(val, _batch()['inputs'].float())


def test_bad_flip_prob():
    with pytest.raises(ValueError, match='flip_prob'):
        _build(flip_prob=1.5)
