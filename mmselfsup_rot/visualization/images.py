# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Image files for the analysis tools."""
import glob
import os.path as osp
from typing import List, Sequence

import numpy as np

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp', '.JPEG', '.PNG', '.JPG')


def list_images(folder: str) -> List[str]:
    """Image files under ``folder`` (recursive, sorted)."""
    if osp.isfile(folder):
        return [folder]
    if not osp.isdir(folder):
        raise FileNotFoundError(f'No image or folder at {folder}.')
    files = sorted(
        p for p in glob.glob(osp.join(folder, '**', '*'), recursive=True)
        if p.endswith(IMAGE_EXTS))
    if not files:
        raise FileNotFoundError(
            f'No images ({", ".join(IMAGE_EXTS[:4])}) found under {folder}.')
    return files


def load_images(paths: Sequence[str], size: int) -> np.ndarray:
    """RGB images resized to ``size`` x ``size``, as a ``(N, H, W, 3)``
    uint8 array (the layout a data loader packs)."""
    from PIL import Image
    arrays = []
    for path in paths:
        with Image.open(path) as img:
            arrays.append(
                np.asarray(
                    img.convert('RGB').resize((size, size), Image.BILINEAR)))
    return np.stack(arrays)
