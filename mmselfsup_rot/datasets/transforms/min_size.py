# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The smallest image a pipeline can crop.

A crop larger than its input does not fail in mmpretrain's ``RandomCrop``
or mmcv's ``CenterCrop``: it returns the smaller image, whose odd size then
breaks the collation of the batch in a dataloader worker. Reading a
pipeline's crops tells the loader which images are too small, so that it
can treat them like the other bad files (see
:class:`~mmselfsup_rot.datasets.transforms.RobustLoadImageFromFile`).
"""
from typing import Callable, Optional, Sequence, Tuple

#: Transforms that keep the image size: the search looks past them.
SIZE_KEEPING = frozenset({
    'RandomFlip', 'PackInputs', 'ColorJitter', 'RandomGrayscale',
    'GaussianBlur', 'Solarize', 'Normalize', 'RandomSolarize',
    'RotationWithLabels', 'RandomRotationWithLabel', 'ToNumpy', 'ToTensor',
    'Collect', 'ImageToTensor', 'Transpose'
})


def _pair(size) -> Tuple[int, int]:
    if isinstance(size, Sequence):
        return int(size[0]), int(size[1])
    return int(size), int(size)


def _random_crop_min(transform) -> Optional[Tuple[int, int]]:
    """mmpretrain's ``RandomCrop``: the crop minus its fixed padding."""
    if transform.pad_if_needed:
        return None
    crop_h, crop_w = _pair(transform.crop_size)
    padding = transform.padding or 0
    if isinstance(padding, Sequence):
        if len(padding) == 2:  # left/right, top/bottom
            left = right = padding[0]
            top = bottom = padding[1]
        else:  # left, top, right, bottom
            left, top, right, bottom = padding
    else:
        left = top = right = bottom = padding
    return (max(crop_h - top - bottom, 1), max(crop_w - left - right, 1))


def _center_crop_min(transform) -> Optional[Tuple[int, int]]:
    """mmcv's ``CenterCrop``: ``crop_size`` is ``(w, h)``."""
    if getattr(transform, 'auto_pad', False):
        return None
    crop_w, crop_h = _pair(transform.crop_size)
    return crop_h, crop_w


def _transform_min_size(
        transform: Callable) -> Tuple[bool, Optional[Tuple[int, int]]]:
    """``(decided, min_size)`` for one transform.

    ``decided`` is True when the transform fixes what its input may be:
    a crop (``min_size`` its smallest input) or a resize (``None``: any
    input size will do). Transforms that keep the size are not decided;
    unknown transforms are decided with ``None`` (nothing is assumed
    about them).
    """
    from mmcv.transforms import CenterCrop
    from mmpretrain.datasets.transforms import RandomCrop
    name = type(transform).__name__
    if isinstance(transform, RandomCrop):
        return True, _random_crop_min(transform)
    if isinstance(transform, CenterCrop):
        return True, _center_crop_min(transform)
    own = getattr(transform, 'min_input_size', None)
    if own is not None:
        # this project's transforms that need a minimum (AET/AVT) and
        # keep the size
        return False, _pair(own)
    if name in SIZE_KEEPING:
        return False, None
    return True, None


def pipeline_min_size(
    transforms: Sequence[Callable]
) -> Tuple[Optional[Tuple[int, int]], Optional[str]]:
    """The smallest ``(h, w)`` image that ``transforms`` can process.

    The transforms are read in order up to the first one that fixes the
    size (a crop or a resize). Crops are mmpretrain's ``RandomCrop`` (its
    ``crop_size`` minus its ``padding``; none with ``pad_if_needed``) and
    mmcv's ``CenterCrop`` (none with ``auto_pad``); resizes, including
    ``RandomResizedCrop`` and ``ResizeEdge``, take any size, and so does
    any transform not known to keep the size. Transforms of this project
    with a ``min_input_size`` attribute (the AET/AVT samplers) add theirs.

    Args:
        transforms (Sequence[Callable]): The transforms that follow the
            image loader.

    Returns:
        tuple: ``((h, w), description)`` of the largest requirement found,
        or ``(None, None)`` when the pipeline takes any size.
    """
    need, source = None, None
    for transform in transforms:
        decided, size = _transform_min_size(transform)
        if size is not None and (need is None or size[0] > need[0]
                                 or size[1] > need[1]):
            need = size if need is None else (max(need[0], size[0]),
                                              max(need[1], size[1]))
            source = repr(transform).replace('\n', ' ')
        if decided:
            break
    return need, source


def resolve_min_sizes(pipeline) -> list:
    """Give every ``RobustLoadImageFromFile`` of a pipeline with
    ``min_size='auto'`` the smallest size the transforms after it can
    process (:func:`pipeline_min_size`).

    Args:
        pipeline: A ``Compose`` (anything with ``transforms``).

    Returns:
        list: The loaders whose ``min_size`` was set.
    """
    from .loading import RobustLoadImageFromFile
    transforms = list(getattr(pipeline, 'transforms', None) or [])
    resolved = []
    for pos, transform in enumerate(transforms):
        if not isinstance(transform, RobustLoadImageFromFile) or \
                transform.min_size != 'auto':
            continue
        size, source = pipeline_min_size(transforms[pos + 1:])
        transform.set_min_size(size, source)
        resolved.append(transform)
    return resolved
