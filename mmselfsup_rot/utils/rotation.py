# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The rotation conventions shared by transforms, preprocessors and tools.

Angles are in degrees and, as in the original RotNet code
(gidariss/FeatureLearningRotNet), **counter-clockwise**: label ``k`` of the
default set means ``k * 90`` degrees CCW, i.e. ``numpy.rot90(img, k)``.
mmselfsup 1.x rotated with ``mmcv.imrotate(img, 90)``, which is clockwise,
so its labels 1 and 3 are swapped; ``clockwise=True`` reproduces that.

Right angles are exact permutations of pixels (flips and transposes). Other
multiples of 45 degrees need interpolation; see :func:`rotate_image`.
"""
import math
from typing import Dict, Sequence, Tuple, Union

import cv2
import numpy as np
import torch

#: Named rotation sets: the paper's default and its ablation (Table 2).
ROTATION_SETS: Dict[str, Tuple[int, ...]] = {
    'four': (0, 90, 180, 270),
    'two_0_180': (0, 180),
    'two_90_270': (90, 270),
    'eight': (0, 45, 90, 135, 180, 225, 270, 315),
}


def parse_angles(angles: Union[str, Sequence[int]]) -> Tuple[int, ...]:
    """Validate a rotation set and return its angles in degrees.

    Args:
        angles (str | Sequence[int]): A name from :data:`ROTATION_SETS` or
            a sequence of distinct multiples of 45 in ``[0, 360)``.

    Returns:
        tuple[int]: The angles; label ``i`` means ``angles[i]`` degrees.
    """
    if isinstance(angles, str):
        if angles not in ROTATION_SETS:
            raise ValueError(f'Unknown rotation set {angles!r}; choose one of '
                             f'{sorted(ROTATION_SETS)} or give a list of '
                             'angles that are multiples of 45 degrees.')
        return ROTATION_SETS[angles]
    try:
        result = tuple(int(a) for a in angles)
    except (TypeError, ValueError):
        raise ValueError(f'Rotation angles must be a set name or a list of '
                         f'integers, got {angles!r}.') from None
    bad = [a for a in result if a % 45 != 0 or not 0 <= a < 360]
    if not result or bad or len(set(result)) != len(result):
        raise ValueError(f'Rotation angles must be distinct multiples of 45 '
                         f'in [0, 360), got {list(angles)!r}.')
    return result


def is_right_angle(angle: int) -> bool:
    """Whether a rotation by ``angle`` degrees is an exact pixel
    permutation."""
    return angle % 90 == 0


def check_square(height: int, width: int, angles: Sequence[int]) -> None:
    """Refuse rotations that would change the shape of the image.

    Only multiples of 180 degrees keep a non-square image's shape; any other
    angle of the set would give copies that cannot be batched (and the
    45-degree crop needs a square).

    Args:
        height (int): Image height.
        width (int): Image width.
        angles (Sequence[int]): The rotations to make.
    """
    if height != width and any(a % 180 for a in angles):
        raise ValueError(
            f'Rotating a non-square {height}x{width} image by '
            f'{tuple(angles)} degrees changes its shape, so the rotated '
            'copies cannot be batched; add a square crop (e.g. '
            'RandomResizedCrop or CenterCrop) before the rotation.')


def quarter_turns(angle: int, clockwise: bool = False) -> int:
    """Number of counter-clockwise quarter turns (``k`` of ``rot90``)."""
    k = (angle // 90) % 4
    return (-k) % 4 if clockwise else k


def rot90_image(img: np.ndarray,
                angle: int,
                clockwise: bool = False) -> np.ndarray:
    """Rotate an ``(H, W, ...)`` image by a right angle, exactly.

    Returns a C-contiguous copy so later transforms and packing see an
    ordinary array.
    """
    k = quarter_turns(angle, clockwise)
    return np.ascontiguousarray(np.rot90(img, k, axes=(0, 1)))


def rot90_tensor(x: torch.Tensor,
                 angle: int,
                 clockwise: bool = False) -> torch.Tensor:
    """Rotate a ``(..., H, W)`` tensor by a right angle, exactly.

    Uses the same convention as :func:`rot90_image` so that the on-device
    path and the transform path produce identical batches.
    """
    return torch.rot90(x, quarter_turns(angle, clockwise), dims=(-2, -1))


def inscribed_square_side(height: int, width: int, angle: float) -> int:
    """Side of the largest centred axis-aligned square that stays inside an
    ``height x width`` image rotated by ``angle`` degrees about its
    centre."""
    rad = math.radians(angle)
    return int(
        math.floor(
            min(height, width) / (abs(math.cos(rad)) + abs(math.sin(rad)))))


def rotate_image(img: np.ndarray,
                 angle: int,
                 clockwise: bool = False,
                 crop_for: Sequence[int] = (),
                 interpolation: str = 'bilinear') -> np.ndarray:
    """Rotate an image by any multiple of 45 degrees.

    Right angles are exact. When the rotation set ``crop_for`` contains a
    non-right angle, *every* copy (right angles included) is centre-cropped
    to the square that survives the worst angle of the set without black
    corners and resized back to the input size. Treating all copies alike
    keeps the network from telling the angles apart by crop or blur.

    Args:
        img (np.ndarray): ``(H, W)`` or ``(H, W, C)`` image.
        angle (int): Angle in degrees, counter-clockwise unless
            ``clockwise``.
        clockwise (bool): Rotate clockwise instead.
        crop_for (Sequence[int]): The whole rotation set the copy belongs
            to; it decides the common crop.
        interpolation (str): ``'bilinear'`` or ``'bicubic'`` for the
            non-right angles and the resize.

    Returns:
        np.ndarray: The rotated image, same shape as a right-angle rotation
        of ``img``.
    """
    needs_crop = any(not is_right_angle(a) for a in crop_for)
    if is_right_angle(angle) and not needs_crop:
        return rot90_image(img, angle, clockwise)
    check_square(img.shape[0], img.shape[1], (angle, *crop_for))
    flag = {'bilinear': cv2.INTER_LINEAR, 'bicubic': cv2.INTER_CUBIC}
    if interpolation not in flag:
        raise ValueError(f'interpolation must be one of {sorted(flag)}, '
                         f'got {interpolation!r}.')
    size = img.shape[0]
    if is_right_angle(angle):
        rotated = rot90_image(img, angle, clockwise)
    else:
        # cv2 angles are counter-clockwise for positive values.
        signed = -angle if clockwise else angle
        centre = ((size - 1) / 2.0, (size - 1) / 2.0)
        matrix = cv2.getRotationMatrix2D(centre, signed, 1.0)
        rotated = cv2.warpAffine(
            img,
            matrix, (size, size),
            flags=flag[interpolation],
            borderMode=cv2.BORDER_REFLECT_101)
    side = min(inscribed_square_side(size, size, a) for a in crop_for)
    top = (size - side) // 2
    cropped = rotated[top:top + side, top:top + side]
    out = cv2.resize(cropped, (size, size), interpolation=flag[interpolation])
    if out.ndim == 2 and img.ndim == 3:
        out = out[..., None]
    return out
