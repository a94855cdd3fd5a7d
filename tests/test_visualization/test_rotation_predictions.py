# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The analysis tools' route to predictions is the model's own: images
batched as its loader ships them, then its data preprocessor and
``test_step``; the on-device and loader-side rotations agree exactly."""
import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.visualization.rotation_predictions import (
    loader_batch, rotated_views, rotation_predictions, unnormalize)

NORM = dict(mean=[120., 110., 100.], std=[60., 55., 50.])


def _model(preprocessor='RotationDataPreprocessor', to_rgb=False, **kwargs):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='RotationPred',
            data_preprocessor=dict(type=preprocessor, to_rgb=to_rgb, **NORM),
            backbone=dict(type='NIN', num_stages=1),
            head=dict(type='RotationHead', in_channels=96),
            **kwargs))
    model.init_weights()
    return model.eval()


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (3, 12, 12, 3), dtype=np.uint8)


def test_device_and_loader_rotations_give_the_same_views(images):
    device = _model()
    loader = _model('SelfSupDataPreprocessor')
    loader.load_state_dict(device.state_dict())
    views_d, angles_d = rotated_views(device, images)
    views_l, angles_l = rotated_views(loader, images)
    assert len(views_d) == len(views_l) == 4
    for a, b in zip(views_d, views_l):
        assert torch.equal(a, b)
    assert (angles_d
            == angles_l).all() and angles_d[0].tolist() == [0, 90, 180, 270]
    labels_d, preds_d = rotation_predictions(device, images)
    labels_l, preds_l = rotation_predictions(loader, images)
    assert labels_d.tolist() == labels_l.tolist() == [[0, 1, 2, 3]] * 3
    assert np.array_equal(preds_d, preds_l)


def test_views_are_the_model_normalisation_direction_and_channels(images):
    # a loader that reads BGR files, as to_rgb=True says
    model = _model(to_rgb=True, clockwise=True, angles='two_90_270')
    views, angles = rotated_views(model, images)
    assert angles[0].tolist() == [90, 270]
    rgb = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    mean = torch.tensor(NORM['mean']).view(1, 3, 1, 1)
    std = torch.tensor(NORM['std']).view(1, 3, 1, 1)
    # 90 degrees clockwise is three counter-clockwise quarter turns
    assert torch.equal(views[0], torch.rot90((rgb - mean) / std, 3, (2, 3)))
    # the loader ships BGR, which the preprocessor turns back to RGB
    batch = loader_batch(model, images)
    assert torch.equal(batch['inputs'].flip(1),
                       torch.from_numpy(images).permute(0, 3, 1, 2))
    # shown as the model sees them, back on the 0-255 scale, exactly
    assert np.array_equal(
        unnormalize(model, views[1]), np.rot90(images, 1, axes=(1, 2)))


def test_loader_side_45_degree_set(images):
    model = _model('SelfSupDataPreprocessor', angles='eight')
    square = np.repeat(np.repeat(images, 2, axis=1), 2, axis=2)  # 24 px
    labels, preds = rotation_predictions(model, square)
    assert labels.tolist() == [list(range(8))] * 3
    assert preds.shape == (3, 8) and preds.max() < 8
    with torch.no_grad():
        samples = model.test_step(loader_batch(model, square))
    assert samples[0].rot_score.shape == (8, 8)
