# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.utils import is_list_of
from mmpretrain.registry import TRANSFORMS

from mmselfsup_rot.utils.rotation import (check_square, parse_angles,
                                          rotate_image)


class _BaseRotation(BaseTransform):
    """Shared argument handling of the rotation transforms.

    In a ``RotationPred`` config, leave ``angles`` and ``clockwise`` out:
    ``share_rotation_set`` (:mod:`mmselfsup_rot.engine.rotation_set_config`,
    run by the tools) fills in the model's.
    """

    def __init__(self,
                 angles: Union[str, Sequence[int]] = 'four',
                 clockwise: bool = False,
                 interpolation: str = 'bilinear') -> None:
        self.angles = parse_angles(angles)
        self.clockwise = clockwise
        self.interpolation = interpolation

    def _rotate(self, img: np.ndarray, angle: int) -> np.ndarray:
        if not isinstance(img, np.ndarray):
            raise TypeError('Rotation transforms expect the image as a numpy '
                            f'array, got {type(img).__name__}.')
        check_square(img.shape[0], img.shape[1], self.angles)
        return rotate_image(
            img,
            angle,
            clockwise=self.clockwise,
            crop_for=self.angles,
            interpolation=self.interpolation)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(angles={self.angles}, '
                f'clockwise={self.clockwise}, '
                f'interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class RotationWithLabels(_BaseRotation):
    """Make every rotated copy of the image with its rotation label.

    This is the protocol of the RotNet paper: all ``K`` rotations of an image
    go into the same batch. Right angles are exact pixel permutations,
    counter-clockwise like the original code; ``clockwise=True`` gives
    mmselfsup 1.x's labels. Sets with 45-degree angles are interpolated and
    centre-cropped, see :func:`mmselfsup_rot.utils.rotation.rotate_image`.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img: becomes a list of ``K`` images, copy ``i`` rotated by
      ``angles[i]``.

    **Added Keys:**

    - rot_label (np.ndarray): ``arange(K)``, the label of each copy.

    Args:
        angles (str | Sequence[int]): Rotation set, a name from
            :data:`~mmselfsup_rot.utils.rotation.ROTATION_SETS` or a list of
            multiples of 45 degrees. Defaults to ``'four'``; a config leaves
            it to ``model.angles``.
        clockwise (bool): Rotate clockwise (mmselfsup 1.x convention).
            Defaults to False; a config leaves it to ``model.clockwise``.
        interpolation (str): Interpolation for non-right angles.
            Defaults to ``'bilinear'``.
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        if is_list_of(img, np.ndarray):
            raise TypeError('RotationWithLabels expects a single image; it '
                            'already received a list of views.')
        results['img'] = [self._rotate(img, a) for a in self.angles]
        results['rot_label'] = np.arange(len(self.angles), dtype=np.int64)
        return results


@TRANSFORMS.register_module()
class RandomRotationWithLabel(_BaseRotation):
    """Rotate the image by one angle drawn uniformly from the rotation set.

    This is VISSL's RotNet protocol (one random rotation per image, so the
    batch is not multiplied by ``K``). The output has the same layout as
    :class:`RotationWithLabels` with a single copy, so the same model and
    head consume both.

    **Required Keys:**

    - img

    **Modified Keys:**

    - img: a list holding the one rotated image.

    **Added Keys:**

    - rot_label (np.ndarray): shape ``(1,)``, the drawn label.

    Args:
        angles (str | Sequence[int]): Rotation set. Defaults to ``'four'``;
            a config leaves it to ``model.angles``.
        clockwise (bool): Rotate clockwise. Defaults to False; a config
            leaves it to ``model.clockwise``.
        interpolation (str): Interpolation for non-right angles.
            Defaults to ``'bilinear'``.
    """

    def transform(self, results: dict) -> dict:
        label = int(np.random.randint(len(self.angles)))
        results['img'] = [self._rotate(results['img'], self.angles[label])]
        results['rot_label'] = np.array([label], dtype=np.int64)
        return results


__all__ = ['RotationWithLabels', 'RandomRotationWithLabel']
