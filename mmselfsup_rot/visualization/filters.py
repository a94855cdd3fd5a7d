# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""First-layer filters of a checkpoint, tiled into one image."""
from typing import Optional, Tuple

import numpy as np
import torch

from mmselfsup_rot.utils.checkpoint import get_state_dict, load_checkpoint_file


def first_conv_weight(checkpoint: str,
                      key: Optional[str] = None) -> Tuple[str, torch.Tensor]:
    """The first-layer filters ``(C_out, C_in, k, k)`` of a checkpoint.

    Args:
        checkpoint (str): Full model or backbone-only weights.
        key (str, optional): The weight to take; default: the first 4-D
            weight with 1 or 3 input channels in file order.

    Returns:
        tuple: Its key and the tensor.
    """
    state = get_state_dict(load_checkpoint_file(checkpoint))
    if key is not None:
        if key not in state:
            raise ValueError(f'{checkpoint} has no weight {key!r}; 4-D '
                             'weights: ' + ', '.join(k
                                                     for k, v in state.items()
                                                     if v.ndim == 4)[:300])
        return key, state[key]
    for name, value in state.items():
        if value.ndim == 4 and value.shape[1] in (1, 3) and \
                not name.startswith('data_preprocessor'):
            return name, value
    raise ValueError(f'{checkpoint} has no 4-D weight with 1 or 3 input '
                     'channels (a first convolution).')


def filter_grid(weight: torch.Tensor,
                ncols: int = 8,
                pad: int = 1) -> np.ndarray:
    """Tile filters into one RGB image, each filter scaled to [0, 1] by its
    own min and max (as the paper's Figure 4 shows them).

    Args:
        weight (Tensor): ``(C_out, C_in, k, k)`` with ``C_in`` 1 or 3.
        ncols (int): Filters per row.
        pad (int): White pixels between filters.

    Returns:
        np.ndarray: ``(rows*(k+pad)+pad, ncols*(k+pad)+pad, 3)`` float in
        [0, 1]; filter ``i`` starts at row ``pad + (i // ncols) * (k+pad)``,
        column ``pad + (i % ncols) * (k+pad)``.
    """
    w = weight.detach().float().cpu().numpy()
    if w.ndim != 4 or w.shape[1] not in (1, 3):
        raise ValueError('Expected (C_out, 1 or 3, k, k) filters, got '
                         f'{tuple(w.shape)}.')
    if w.shape[1] == 1:
        w = np.repeat(w, 3, axis=1)
    num, _, kh, kw = w.shape
    rows = -(-num // ncols)
    grid = np.ones((rows * (kh + pad) + pad, ncols * (kw + pad) + pad, 3))
    for i, filt in enumerate(w):
        lo, hi = filt.min(), filt.max()
        img = (filt - lo) / (hi - lo) if hi > lo else np.zeros_like(filt)
        r, c = pad + (i // ncols) * (kh + pad), pad + (i % ncols) * (kw + pad)
        grid[r:r + kh, c:c + kw] = img.transpose(1, 2, 0)
    return grid


def save_image(array: np.ndarray, out: str, scale: int = 1) -> None:
    """Write a float [0, 1] RGB array as a PNG, each pixel ``scale`` times
    larger (nearest neighbour, so values stay exact)."""
    from PIL import Image
    img = np.repeat(np.repeat(array, scale, axis=0), scale, axis=1)
    Image.fromarray(
        (np.clip(img, 0, 1) * 255).round().astype(np.uint8)).save(out)
