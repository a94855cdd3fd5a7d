# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Random geometric transformations for AET / AVT.

Coordinates are pixel coordinates ``(x, y)`` (x to the right, y down, the
centre of the top-left pixel at ``(0, 0)``). The recorded 3x3 matrix ``M``
maps a point of the original image to the transformed image:
``(x', y', w) = M (x, y, 1)``, point ``(x' / w, y' / w)``.
"""
import math
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

_INTERPOLATION = {
    'bilinear': cv2.INTER_LINEAR,
    'nearest': cv2.INTER_NEAREST,
    'bicubic': cv2.INTER_CUBIC
}


def homography_to_params(matrix: np.ndarray) -> np.ndarray:
    """The 8 parameters of a homography: its entries after scaling
    ``M[2, 2]`` to 1, row-major without the last one."""
    return (matrix / matrix[2, 2]).reshape(-1)[:8]


def params_to_homography(params: np.ndarray) -> np.ndarray:
    """Inverse of :func:`homography_to_params`."""
    return np.append(np.asarray(params, dtype=np.float64), 1.).reshape(3, 3)


def apply_homography(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``(P, 2)`` points ``(x, y)`` through a 3x3 matrix."""
    points = np.asarray(points, dtype=np.float64)
    homog = np.concatenate([points, np.ones((len(points), 1))], axis=1)
    mapped = homog @ np.asarray(matrix, dtype=np.float64).T
    return mapped[:, :2] / mapped[:, 2:]


class _TransformPair(BaseTransform):
    """Output the original and a randomly transformed copy of ``img``.

    Subclasses sample the matrix and its regression target.

    Required Keys:

    - img

    Modified Keys:

    - img: becomes ``[original, transformed]`` (two views, same shape)

    Added Keys:

    - transform_matrix (np.ndarray): ``(3, 3)`` float32, original ->
      transformed pixel coordinates (see the module docstring)
    - transform_target (np.ndarray): float32 parameters the decoder
      regresses (see the subclass)

    Args:
        interpolation (str): ``'bilinear'``, ``'nearest'`` or
            ``'bicubic'``. Defaults to ``'bilinear'``.
        fill (float | Sequence[float]): Value of pixels that come from
            outside the image. Defaults to 128 (the official gray).
    """

    #: Smallest input side: the image's corners must be distinct points
    #: (read by the pipeline's minimum-size check, see
    #: :func:`~mmselfsup_rot.datasets.transforms.min_size.pipeline_min_size`).
    min_input_size = 2

    def __init__(self, interpolation: str = 'bilinear', fill=128) -> None:
        if interpolation not in _INTERPOLATION:
            raise ValueError(f'interpolation must be one of '
                             f'{sorted(_INTERPOLATION)}, got '
                             f'{interpolation!r}.')
        self.interpolation = interpolation
        self.fill = fill

    def sample(self, height: int, width: int) -> Tuple[np.ndarray, np.ndarray]:
        """Return ``(matrix, target)``."""
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        """Sample a transformation, warp the image, record it."""
        img = results['img']
        if isinstance(img, list):
            raise ValueError(f'{type(self).__name__} expects one image, got '
                             f'{len(img)} views; put it before transforms '
                             'that make views.')
        height, width = img.shape[:2]
        matrix, target = self.sample(height, width)
        fill = self.fill
        if np.ndim(fill) == 0:
            fill = (float(fill), ) * (img.shape[2] if img.ndim == 3 else 1)
        warped = cv2.warpPerspective(
            img,
            matrix, (width, height),
            flags=_INTERPOLATION[self.interpolation],
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=tuple(fill))
        if warped.ndim == 2 and img.ndim == 3:
            warped = warped[..., None]
        results['img'] = [img, warped.astype(img.dtype)]
        results['transform_matrix'] = matrix.astype(np.float32)
        results['transform_target'] = target.astype(np.float32)
        return results


@TRANSFORMS.register_module()
class ProjectiveTransformSampler(_TransformPair):
    """AET's random projective transformation.

    As in the AET paper and code: the image is rotated about its centre by
    an angle from ``angles`` (counter-clockwise as displayed) and scaled by
    a factor from ``scale``; then each of its four corners moves by up to
    ``shift`` of the width (x) and height (y). The homography mapping the
    original corners to the moved ones is ``transform_matrix``.

    ``transform_target`` holds its 8 parameters (:func:`homography_to_params`)
    standardised as ``(params - param_mean) / param_std``. The defaults are
    the official CIFAR-10 constants (mean ``(0, 0, 16, 0, 0, 16, 0, 0)``,
    std ``(1, 1, 20, 1, 1, 20, 0.015, 0.015)`` at 32 px) rescaled to the
    image size: translations scale with the size and the perspective
    entries inversely.

    Args:
        shift (float): Largest corner move, fraction of the size.
            Defaults to 0.125 (4 px at 32 px).
        scale (Sequence[float]): Range of the scale factor.
            Defaults to ``(0.8, 1.2)``.
        angles (Sequence[float]): Rotation angles in degrees to choose from.
            Defaults to ``(0, 90, 180, 270)``.
        param_mean (Sequence[float], optional): 8 means for the target.
        param_std (Sequence[float], optional): 8 standard deviations.
        **kwargs: ``interpolation`` and ``fill``.
    """

    def __init__(self,
                 shift: float = 0.125,
                 scale: Sequence[float] = (0.8, 1.2),
                 angles: Sequence[float] = (0, 90, 180, 270),
                 param_mean: Optional[Sequence[float]] = None,
                 param_std: Optional[Sequence[float]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= shift < 0.5 or len(scale) != 2 or min(scale) <= 0:
            raise ValueError('ProjectiveTransformSampler needs 0 <= shift '
                             '< 0.5 and a (low, high) positive scale range, '
                             f'got shift={shift}, scale={scale}.')
        for name, value in (('param_mean', param_mean), ('param_std',
                                                         param_std)):
            if value is not None and len(value) != 8:
                raise ValueError(f'{name} needs 8 values, got {value}.')
        self.shift = shift
        self.scale = tuple(scale)
        self.angles = tuple(angles)
        self.param_mean = param_mean
        self.param_std = param_std

    def standardisation(self, height: int,
                        width: int) -> Tuple[np.ndarray, np.ndarray]:
        """Mean and std of the 8 parameters for an image size."""
        if self.param_mean is not None:
            mean = np.asarray(self.param_mean, dtype=np.float64)
        else:
            mean = np.array([0, 0, width / 2, 0, 0, height / 2, 0, 0])
        if self.param_std is not None:
            std = np.asarray(self.param_std, dtype=np.float64)
        else:
            std = np.array([
                1, 1, 20 * width / 32, 1, 1, 20 * height / 32,
                0.015 * 32 / width, 0.015 * 32 / height
            ])
        return mean, std

    def sample(self, height: int, width: int) -> Tuple[np.ndarray, np.ndarray]:
        corners = np.array(
            [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
            dtype=np.float64)
        centre = np.array([(width - 1) / 2, (height - 1) / 2])
        angle = math.radians(float(np.random.choice(self.angles)))
        factor = np.random.uniform(*self.scale)
        # counter-clockwise on screen, i.e. with the y axis pointing down
        rot = np.array([[math.cos(angle), math.sin(angle)],
                        [-math.sin(angle), math.cos(angle)]])
        moved = (corners - centre) @ (factor * rot).T + centre
        moved += np.random.uniform(-1, 1, (4, 2)) * self.shift * np.array(
            [width, height])
        matrix = cv2.getPerspectiveTransform(
            corners.astype(np.float32), moved.astype(np.float32))
        mean, std = self.standardisation(height, width)
        target = (homography_to_params(matrix) - mean) / std
        return matrix / matrix[2, 2], target

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(shift={self.shift}, scale='
                f'{self.scale}, angles={self.angles})')


@TRANSFORMS.register_module()
class AffineTransformSampler(_TransformPair):
    """AET's random affine transformation.

    As in the AET code (torchvision's ``RandomAffine`` conventions): a
    rotation by an angle from ``degrees``, a translation by up to
    ``translate`` of the width and height (whole pixels), a scale from
    ``scale`` and a shear from ``shear`` degrees, about the image centre:
    ``M = T C [[s cos a, -s sin(a + sh)], [s sin a, s cos(a + sh)]] C^-1``.

    ``transform_target`` holds the 6 parameters of the AET code, each in
    about ``[-1, 1]``: ``cos a``, ``sin a``, ``tx / (translate_x W)``,
    ``ty / (translate_y H)``, and the scale and shear mapped linearly from
    their ranges onto ``[-1, 1]``.

    Args:
        degrees (Sequence[float]): Rotation range. Defaults to
            ``(-180, 180)``.
        translate (Sequence[float]): Largest translation, fraction of
            width and height. Defaults to ``(0.2, 0.2)``.
        scale (Sequence[float]): Scale range. Defaults to ``(0.7, 1.3)``.
        shear (Sequence[float]): Shear range in degrees. Defaults to
            ``(-30, 30)``.
        **kwargs: ``interpolation`` and ``fill``.
    """

    def __init__(self,
                 degrees: Sequence[float] = (-180, 180),
                 translate: Sequence[float] = (0.2, 0.2),
                 scale: Sequence[float] = (0.7, 1.3),
                 shear: Sequence[float] = (-30, 30),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        ranges = dict(degrees=degrees, scale=scale, shear=shear)
        for name, value in ranges.items():
            if len(value) != 2 or value[0] >= value[1]:
                raise ValueError(f'{name} must be a (low, high) range, got '
                                 f'{value}.')
        if len(translate) != 2 or not all(0 < t <= 1 for t in translate):
            raise ValueError(f'translate must be two fractions in (0, 1], '
                             f'got {translate}.')
        if scale[0] <= 0:
            raise ValueError(f'scale must be positive, got {scale}.')
        self.degrees = tuple(degrees)
        self.translate = tuple(translate)
        self.scale = tuple(scale)
        self.shear = tuple(shear)

    @staticmethod
    def _to_unit(value: float, bounds: Tuple[float, float]) -> float:
        low, high = bounds
        return (2 * value - low - high) / (high - low)

    def sample(self, height: int, width: int) -> Tuple[np.ndarray, np.ndarray]:
        angle = np.random.uniform(*self.degrees)
        tx = np.round(np.random.uniform(-1, 1) * self.translate[0] * width)
        ty = np.round(np.random.uniform(-1, 1) * self.translate[1] * height)
        factor = np.random.uniform(*self.scale)
        shear = np.random.uniform(*self.shear)
        rad, rad_shear = math.radians(angle), math.radians(angle + shear)
        linear = factor * np.array([[math.cos(rad), -math.sin(rad_shear)],
                                    [math.sin(rad),
                                     math.cos(rad_shear)]])
        centre = np.array([(width - 1) / 2, (height - 1) / 2])
        matrix = np.eye(3)
        matrix[:2, :2] = linear
        matrix[:2, 2] = centre - linear @ centre + np.array([tx, ty])
        target = np.array([
            math.cos(rad),
            math.sin(rad), tx / (self.translate[0] * width),
            ty / (self.translate[1] * height),
            self._to_unit(factor, self.scale),
            self._to_unit(shear, self.shear)
        ])
        return matrix, target

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(degrees={self.degrees}, translate='
                f'{self.translate}, scale={self.scale}, shear={self.shear})')
