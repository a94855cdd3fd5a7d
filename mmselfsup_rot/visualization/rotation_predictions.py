# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Rotation predictions of a model on rotated copies of images."""
from typing import List, Sequence

import numpy as np
import torch

from mmselfsup_rot.utils.rotation import rot90_tensor


def normalize(model: torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Apply the model's preprocessor mean/std. The images are RGB, which
    is the order the preprocessor's mean/std have after its BGR->RGB
    conversion."""
    pre = model.data_preprocessor
    mean = getattr(pre, 'mean', None)
    std = getattr(pre, 'std', None)
    if mean is None or std is None:
        return images
    return (images - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)


def rotated_copies(
    images: torch.Tensor, angles: Sequence[int] = (0, 90, 180, 270)
) -> List[torch.Tensor]:
    """Each right-angle rotation (counter-clockwise) of ``(N, C, H, W)``."""
    out = []
    for angle in angles:
        if angle % 90:
            raise ValueError(f'Only right angles are exact; got {angle}.')
        out.append(rot90_tensor(images, angle))
    return out


@torch.no_grad()
def rotation_predictions(model: torch.nn.Module, images: torch.Tensor,
                         angles: Sequence[int]) -> np.ndarray:
    """Predicted rotation label of every rotated copy, via
    ``RotationPred.predict``.

    Returns:
        np.ndarray: ``(N, K)``: ``[i, k]`` is the label predicted for
        image ``i`` rotated by ``angles[k]``.
    """
    views = [normalize(model, v) for v in rotated_copies(images, angles)]
    samples = model.predict(views)
    return np.stack([s.rot_pred.cpu().numpy() for s in samples])


def confusion(preds: np.ndarray, num: int) -> np.ndarray:
    """``(K, K)`` counts: row = true label (column index of ``preds``),
    column = predicted label."""
    mat = np.zeros((num, num), dtype=np.int64)
    for true in range(num):
        for pred in preds[:, true]:
            mat[true, int(pred)] += 1
    return mat
