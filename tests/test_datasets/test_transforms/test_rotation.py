# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import numpy as np
import pytest
from mmpretrain.registry import TRANSFORMS

from mmselfsup_rot.datasets.transforms import (RandomRotationWithLabel,
                                               RotationWithLabels)


def _img(size=6):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (size, size, 3), dtype=np.uint8)


def test_rotation_with_labels_all_copies():
    img = _img()
    out = RotationWithLabels()(dict(img=img.copy()))
    assert out['rot_label'].tolist() == [0, 1, 2, 3]
    assert len(out['img']) == 4
    for k, view in enumerate(out['img']):
        assert (view == np.rot90(img, k)).all()


def test_rotation_with_labels_clockwise_and_subsets():
    img = _img()
    out = RotationWithLabels(clockwise=True)(dict(img=img.copy()))
    assert (out['img'][1] == np.rot90(img, -1)).all()
    out = RotationWithLabels(angles='two_90_270')(dict(img=img.copy()))
    assert out['rot_label'].tolist() == [0, 1]
    assert (out['img'][0] == np.rot90(img, 1)).all()
    assert (out['img'][1] == np.rot90(img, 3)).all()


def test_rotation_eight_angles_same_shape():
    img = _img(32)
    out = RotationWithLabels(angles='eight')(dict(img=img))
    assert len(out['img']) == 8
    assert all(v.shape == img.shape for v in out['img'])


def test_random_rotation_is_one_of_the_set():
    img = _img()
    transform = TRANSFORMS.build(dict(type='RandomRotationWithLabel'))
    assert isinstance(transform, RandomRotationWithLabel)
    seen = set()
    np.random.seed(0)
    for _ in range(40):
        out = transform(dict(img=img.copy()))
        label = int(out['rot_label'][0])
        assert (out['img'][0] == np.rot90(img, label)).all()
        seen.add(label)
    assert seen == {0, 1, 2, 3}


def test_non_square_right_angle_error():
    with pytest.raises(ValueError, match='square crop'):
        RotationWithLabels()(dict(img=np.zeros((4, 6, 3), np.uint8)))
    # 0/180 keeps the shape, so non-square images are fine
    out = RotationWithLabels(angles='two_0_180')(
        dict(img=np.zeros((4, 6, 3), np.uint8)))
    assert out['img'][1].shape == (4, 6, 3)


def test_unknown_set_error():
    with pytest.raises(ValueError, match='Unknown rotation set'):
        RotationWithLabels(angles='six')
