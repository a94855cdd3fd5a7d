# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""ImageNet 1% / 10% subsets for semi-supervised fine-tuning.

The subsets are written as mmpretrain annotation files (``relative/path
label`` per line, e.g. ``n01440764/n01440764_10026.JPEG 0``), which
``ImageNet(ann_file=...)`` reads. They come either from the published
SimCLR lists (one file name per line, ``n01440764_10026.JPEG``) or from a
seeded class-balanced random draw.
"""
import os
import os.path as osp
from collections import defaultdict
from typing import Optional

import numpy as np


def _read_ann(path: str) -> list:
    if not osp.isfile(path):
        raise FileNotFoundError(f'Annotation file not found: {path}')
    with open(path) as f:
        rows = [line.split() for line in f if line.strip()]
    if any(len(r) != 2 for r in rows):
        raise ValueError(f'{path}: expected "relative/path label" lines.')
    return rows


def make_subset_ann(train_ann: str,
                    out_file: str,
                    fraction: Optional[float] = None,
                    image_list: Optional[str] = None,
                    seed: int = 0) -> int:
    """Write a subset of ``train_ann`` as an mmpretrain annotation file.

    Args:
        train_ann (str): The full training annotation file.
        out_file (str): Where to write the subset.
        fraction (float, optional): Keep this fraction of every class (at
            least one image each), drawn with ``seed``.
        image_list (str, optional): A SimCLR-style list of image file names
            to keep instead (e.g. ``1percent.txt``).
        seed (int): Seed of the random draw.

    Returns:
        int: Number of images in the subset.
    """
    if (fraction is None) == (image_list is None):
        raise ValueError('Give exactly one of fraction and image_list.')
    rows = _read_ann(train_ann)
    if image_list is not None:
        if not osp.isfile(image_list):
            raise FileNotFoundError(f'Image list not found: {image_list}')
        with open(image_list) as f:
            wanted = {line.strip() for line in f if line.strip()}
        keep = [r for r in rows if osp.basename(r[0]) in wanted]
        found = {osp.basename(r[0]) for r in keep}
        if found != wanted:
            raise ValueError(
                f'{len(wanted - found)} images of {image_list} are not in '
                f'{train_ann} (e.g. {sorted(wanted - found)[:3]}).')
    else:
        if not 0 < fraction <= 1:
            raise ValueError(f'fraction must be in (0, 1], got {fraction}.')
        by_class = defaultdict(list)
        for idx, (_, label) in enumerate(rows):
            by_class[label].append(idx)
        rng = np.random.default_rng(seed)
        chosen = []
        for label in sorted(by_class, key=int):
            idxs = by_class[label]
            count = max(1, int(round(len(idxs) * fraction)))
            chosen.extend(rng.choice(idxs, count, replace=False).tolist())
        keep = [rows[i] for i in sorted(chosen)]
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with open(out_file, 'w') as f:
        f.writelines(f'{path} {label}\n' for path, label in keep)
    return len(keep)
