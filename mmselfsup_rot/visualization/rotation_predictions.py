# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""A model's rotation predictions on images, by the model's own route.

The images are packed and collated as the model's data loader would ship
them, then go through the model's data preprocessor (``model.test_step`` or
``model.data_preprocessor``): its normalisation, channel order and rotation
set (``angles`` and ``clockwise``) are the ones the tools see. Sets that a
``RotationDataPreprocessor`` cannot make on the device (45 degrees) are made
by the loader-side ``RotationWithLabels`` with the model's set, as in the
model's config.
"""
from typing import List, Tuple

import numpy as np
import torch
from mmengine.dataset import default_collate

from mmselfsup_rot.datasets.transforms import RotationWithLabels
from mmselfsup_rot.utils.rotation import parse_angles


def rotation_set(model: torch.nn.Module) -> Tuple[Tuple[int, ...], bool]:
    """``(angles, clockwise)`` of a ``RotationPred``; the default set for
    other models (to look at their backbone on rotated images)."""
    return (parse_angles(getattr(model, 'angles', 'four')),
            bool(getattr(model, 'clockwise', False)))


def loader_batch(model: torch.nn.Module, images: np.ndarray) -> dict:
    """A batch of images as the model's data loader would collate it.

    Args:
        model: A ``RotationPred`` (another model is treated as owning the
            default set, e.g. to look at its backbone).
        images (np.ndarray): ``(N, H, W, 3)`` uint8 RGB images.

    Returns:
        dict: ``inputs`` and ``data_samples`` for ``model.test_step`` or
        ``model.data_preprocessor``. The channels are in the order the
        preprocessor expects (BGR, as images are read from files, when it
        converts to RGB). Without an on-device rotation, every image is
        rotated in the batch by ``RotationWithLabels`` with the model's
        ``angles`` and ``clockwise``.
    """
    from mmpretrain.datasets.transforms import PackInputs
    pre = model.data_preprocessor
    if getattr(pre, '_channel_conversion', False):
        images = images[..., ::-1]
    if getattr(pre, 'rotate_in_test', False):
        steps = [PackInputs()]
    else:
        angles, clockwise = rotation_set(model)
        steps = [
            RotationWithLabels(angles=angles, clockwise=clockwise),
            PackInputs(algorithm_keys=['rot_label'])
        ]
    packed = []
    for img in images:
        results = dict(img=np.ascontiguousarray(img))
        for step in steps:
            results = step(results)
        packed.append(results)
    return default_collate(packed)


def rotated_views(model: torch.nn.Module,
                  images: np.ndarray) -> Tuple[List[torch.Tensor], np.ndarray]:
    """The rotated, normalised views the model sees.

    Args:
        model: See :func:`loader_batch`.
        images (np.ndarray): ``(N, H, W, 3)`` uint8 RGB images.

    Returns:
        tuple: ``V`` views ``(N, C, H, W)`` from the model's data
        preprocessor, and the ``(N, V)`` angle of each in degrees (in the
        model's direction).
    """
    with torch.no_grad():
        data = model.data_preprocessor(loader_batch(model, images), False)
    views = data['inputs']
    views = list(views) if isinstance(views, (list, tuple)) else [views]
    labels = np.stack([
        torch.as_tensor(s.rot_label).view(-1).cpu().numpy()
        for s in data['data_samples']
    ])
    return views, np.asarray(rotation_set(model)[0])[labels]


def unnormalize(model: torch.nn.Module, view: torch.Tensor) -> np.ndarray:
    """A preprocessed view back on the 0-255 scale, for display.

    Args:
        model: The model whose preprocessor made ``view``.
        view (Tensor): ``(N, C, H, W)``.

    Returns:
        np.ndarray: ``(N, H, W, C)`` uint8, in the channel order the model
        sees (RGB).
    """
    pre = model.data_preprocessor
    if getattr(pre, '_enable_normalize', False):
        view = view * pre.std + pre.mean
    return view.round().clamp(0, 255).byte().permute(0, 2, 3, 1).cpu().numpy()


@torch.no_grad()
def rotation_predictions(model: torch.nn.Module,
                         images: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """True and predicted rotation labels of every view of every image,
    by ``model.test_step``.

    Args:
        model: A ``RotationPred``.
        images (np.ndarray): ``(N, H, W, 3)`` uint8 RGB images.

    Returns:
        tuple[np.ndarray]: ``(N, V)`` labels and ``(N, V)`` predictions;
        count them with ``RotationAccuracy.confusion_matrix``.
    """
    samples = model.test_step(loader_batch(model, images))
    labels = np.stack(
        [torch.as_tensor(s.rot_label).view(-1).numpy() for s in samples])
    preds = np.stack([s.rot_pred.cpu().numpy() for s in samples])
    return labels, preds
