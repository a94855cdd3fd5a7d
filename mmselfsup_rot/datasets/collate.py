# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Name the files when a batch cannot be stacked because its images
differ in size.

``default_collate`` stacks the images of a batch; one image of another
size (a file smaller than the pipeline's crop, a pipeline without a crop)
makes it fail in a dataloader worker with ``RuntimeError: Trying to resize
storage that is not resizable`` or ``stack expects each tensor to be equal
size``, which names no file.
"""
from collections import Counter
from typing import Callable, List, Optional, Sequence, Tuple

import torch

from .transforms.loading import BadImageError


def _shape(inputs) -> Optional[Tuple]:
    """Shape of a sample's ``inputs`` (a tensor or a list of views)."""
    if isinstance(inputs, torch.Tensor):
        return tuple(inputs.shape)
    if isinstance(inputs, (list, tuple)) and inputs and all(
            isinstance(v, torch.Tensor) for v in inputs):
        return tuple(tuple(v.shape) for v in inputs)
    return None


def _size(shape: Tuple) -> str:
    """``HxW`` of a ``(C, H, W)`` shape, or of each view."""
    if shape and isinstance(shape[0], tuple):
        sizes = [_size(s) for s in shape]
        if len(set(sizes)) == 1:
            return f'{sizes[0]} ({len(sizes)} views)'
        return ', '.join(sizes)
    return 'x'.join(str(s) for s in shape[-2:])


def _path(sample: dict, index: int) -> str:
    data_sample = sample.get('data_samples') if isinstance(sample,
                                                           dict) else None
    path = getattr(data_sample, 'img_path', None)
    if path is None and hasattr(data_sample, 'metainfo'):
        path = data_sample.metainfo.get('img_path')
    return str(path) if path is not None else f'sample {index} of the batch'


def size_mismatch(batch: Sequence) -> Optional[str]:
    """Describe the images of a batch whose size differs from the others.

    Args:
        batch (Sequence): The samples (dicts with ``inputs`` and
            ``data_samples``) given to the collate function.

    Returns:
        str | None: A one-line message naming the odd files, or None when
        the images agree (or are not images).
    """
    shapes: List[Optional[Tuple]] = [
        _shape(s.get('inputs')) if isinstance(s, dict) else None for s in batch
    ]
    known = [s for s in shapes if s is not None]
    if len(set(known)) < 2:
        return None
    common, _ = Counter(known).most_common(1)[0]
    odd = [(i, s) for i, s in enumerate(shapes)
           if s is not None and s != common]
    named = '; '.join(f'{_path(batch[i], i)} is {_size(s)}'
                      for i, s in odd[:3])
    more = f' (and {len(odd) - 3} more)' if len(odd) > 3 else ''
    return (f'Images of different sizes in one batch: {named}{more}, the '
            f'others {_size(common)}. The pipeline must give every image '
            'one size: add a crop or resize to it, or remove the file.')


class SizeCheckedCollate:
    """Wrap a collate function so that a batch of images of different
    sizes fails with a one-line :class:`BadImageError` naming the files.

    The wrapped function runs as before; only when it raises are the
    image sizes compared. It pickles (for spawned dataloader workers) when
    the wrapped function does.

    Args:
        collate_fn (Callable): The collate function, e.g. mmengine's
            ``default_collate``.
    """

    def __init__(self, collate_fn: Callable) -> None:
        self.collate_fn = collate_fn

    def __call__(self, batch: Sequence):
        try:
            return self.collate_fn(batch)
        except Exception:
            message = size_mismatch(batch)
            if message is None:
                raise
        raise BadImageError(message)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.collate_fn!r})'
