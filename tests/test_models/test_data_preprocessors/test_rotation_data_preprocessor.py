# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.dataset import default_collate
from mmpretrain.registry import MODELS, TRANSFORMS

from mmselfsup_rot.datasets.transforms import RotationWithLabels  # noqa

NORM = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)


def _batch(with_rotation, clockwise=False, n=3, size=8, angles='four'):
    pipeline = [dict(type='PackInputs')]
    if with_rotation:
        pipeline = [
            dict(
                type='RotationWithLabels', clockwise=clockwise, angles=angles),
            dict(type='PackInputs', algorithm_keys=['rot_label'])
        ]
    pipeline = Compose([TRANSFORMS.build(t) for t in pipeline])
    rng = np.random.default_rng(3)
    samples = [
        pipeline(
            dict(img=rng.integers(0, 256, (size, size, 3), dtype=np.uint8)))
        for _ in range(n)
    ]
    return default_collate(samples)


@pytest.mark.parametrize('clockwise', [False, True])
@pytest.mark.parametrize('angles,num', [('four', 4), ('two_0_180', 2),
                                        ('two_90_270', 2)])
def test_device_path_equals_transform_path_bit_for_bit(clockwise, angles, num):
    transform_pre = MODELS.build(dict(type='SelfSupDataPreprocessor', **NORM))
    device_pre = MODELS.build(
        dict(
            type='RotationDataPreprocessor',
            clockwise=clockwise,
            angles=angles,
            **NORM))
    a = transform_pre(_batch(True, clockwise, angles=angles), training=True)
    b = device_pre(_batch(False), training=True)
    assert len(a['inputs']) == len(b['inputs']) == num
    for x, y in zip(a['inputs'], b['inputs']):
        assert x.dtype == y.dtype == torch.float32
        assert torch.equal(x, y)
    for sa, sb in zip(a['data_samples'], b['data_samples']):
        assert torch.as_tensor(sa.rot_label).tolist() == \
            sb.rot_label.tolist() == list(range(num))


def test_already_rotated_batches_pass_through():
    pre = MODELS.build(dict(type='RotationDataPreprocessor', **NORM))
    out = pre(_batch(True), training=True)
    assert len(out['inputs']) == 4


def test_random_mode_labels_match_pixels():
    pre = MODELS.build(
        dict(type='RotationDataPreprocessor', mode='random', **NORM))
    plain = MODELS.build(dict(type='SelfSupDataPreprocessor', **NORM))
    torch.manual_seed(0)
    batch = _batch(False, n=16)
    ref = plain(_batch(False, n=16))['inputs']
    out = pre(batch, training=True)
    assert len(out['inputs']) == 1
    labels = [int(s.rot_label[0]) for s in out['data_samples']]
    assert len(set(labels)) > 1
    for i, k in enumerate(labels):
        assert torch.equal(out['inputs'][0][i],
                           torch.rot90(ref[i], k, dims=(-2, -1)))


def test_rejects_non_right_angles_and_bad_mode():
    with pytest.raises(ValueError, match='right angles'):
        MODELS.build(dict(type='RotationDataPreprocessor', angles='eight'))
    with pytest.raises(ValueError, match='mode'):
        MODELS.build(dict(type='RotationDataPreprocessor', mode='some'))
