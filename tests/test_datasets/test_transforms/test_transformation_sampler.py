# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The AET/AVT transformation samplers: the warped image and the recorded
parameters (the decoder's targets) describe the same transformation."""
import math

import numpy as np
import pytest
from mmpretrain.registry import TRANSFORMS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.datasets.transforms.transformation_sampler import (
    apply_homography, params_to_homography)


def _blob_image(size, point, channels=3):
    """A Gaussian spot centred at ``point`` (x, y) on a black image."""
    ys, xs = np.mgrid[:size, :size]
    spot = np.exp(-((xs - point[0])**2 + (ys - point[1])**2) / (2 * 1.5**2))
    img = (spot * 255).astype(np.float32)
    return np.repeat(img[..., None], channels, axis=2)


def _centroid(img):
    weight = img[..., 0].astype(np.float64)
    ys, xs = np.mgrid[:img.shape[0], :img.shape[1]]
    return np.array([(xs * weight).sum(), (ys * weight).sum()]) / weight.sum()


@pytest.mark.parametrize('seed', range(5))
def test_projective_target_matches_warped_point(seed):
    np.random.seed(seed)
    size, point = 64, (22.0, 37.0)
    sampler = TRANSFORMS.build(
        dict(type='ProjectiveTransformSampler', shift=0.1, fill=0))
    results = sampler(dict(img=_blob_image(size, point)))
    original, warped = results['img']
    assert original.shape == warped.shape == (size, size, 3)
    assert results['transform_target'].shape == (8, )
    # the target, de-standardised, is the homography that moved the spot
    mean, std = sampler.standardisation(size, size)
    matrix = params_to_homography(results['transform_target'] * std + mean)
    assert np.allclose(matrix, results['transform_matrix'], atol=1e-4)
    expected = apply_homography(matrix, np.array([point]))[0]
    assert np.abs(_centroid(warped) - expected).max() < 0.75


def test_projective_cifar_standardisation_is_official():
    sampler = TRANSFORMS.build(dict(type='ProjectiveTransformSampler'))
    mean, std = sampler.standardisation(32, 32)
    assert np.allclose(mean, [0, 0, 16, 0, 0, 16, 0, 0])
    assert np.allclose(std, [1, 1, 20, 1, 1, 20, 0.015, 0.015])


def test_projective_rotation_only_moves_corner_exactly():
    np.random.seed(0)
    sampler = TRANSFORMS.build(
        dict(
            type='ProjectiveTransformSampler',
            shift=0,
            scale=(1, 1),
            angles=(90, ),
            fill=0))
    img = np.zeros((8, 8, 3), dtype=np.uint8)
    img[0, 0] = 255  # top-left pixel
    warped = sampler(dict(img=img))['img'][1]
    # 90 degrees counter-clockwise: top-left goes to bottom-left
    assert warped[7, 0, 0] == 255 and warped.sum() == 3 * 255
    assert np.allclose(np.rot90(img, 1), warped)


@pytest.mark.parametrize('seed', range(3))
def test_affine_target_matches_warped_point(seed):
    np.random.seed(seed)
    size, point = 64, (30.0, 28.0)
    sampler = TRANSFORMS.build(
        dict(type='AffineTransformSampler', translate=(0.1, 0.1), fill=0))
    results = sampler(dict(img=_blob_image(size, point)))
    target, matrix = results['transform_target'], results['transform_matrix']
    assert target.shape == (6, ) and np.all(np.abs(target) <= 1 + 1e-6)
    angle = math.atan2(target[1], target[0])
    factor = ((target[4] + 1) / 2) * 0.6 + 0.7
    shear = math.radians(target[5] * 30)
    linear = factor * np.array([[math.cos(angle), -math.sin(angle + shear)],
                                [math.sin(angle),
                                 math.cos(angle + shear)]])
    assert np.allclose(linear, matrix[:2, :2], atol=1e-4)
    assert np.allclose(matrix[2], [0, 0, 1])
    expected = apply_homography(matrix, np.array([point]))[0]
    assert np.abs(_centroid(results['img'][1]) - expected).max() < 0.75


def test_samplers_reject_bad_arguments():
    with pytest.raises(ValueError, match='shift'):
        TRANSFORMS.build(dict(type='ProjectiveTransformSampler', shift=0.7))
    with pytest.raises(ValueError, match='8 values'):
        TRANSFORMS.build(
            dict(type='ProjectiveTransformSampler', param_std=[1, 2]))
    with pytest.raises(ValueError, match='shear'):
        TRANSFORMS.build(dict(type='AffineTransformSampler', shear=(5, 1)))
    sampler = TRANSFORMS.build(dict(type='AffineTransformSampler'))
    with pytest.raises(ValueError, match='expects one image'):
        sampler(dict(img=[np.zeros((8, 8, 3))] * 2))
