# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Cityscapes miniatures in the layout of the official packages after
``csCreateTrainIdLabelImgs`` (what mmseg's ``CityscapesDataset`` reads)::

    root/leftImg8bit/{train,val}/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    root/gtFine/{train,val}/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png
    root/gtFine/{train,val}/<city>/..._gtFine_labelTrainIds.png
    root/gtFine/{train,val}/<city>/..._gtFine_color.png

Scenes are sky / building / road bands with a few cars and people, so the
19 train classes that occur are learnable.
"""
import os
import os.path as osp
from typing import Dict, Tuple

import numpy as np
from PIL import Image

# label id -> (train id, colour) for the classes the scenes use; every
# other label id maps to train id 255 (ignored).
_LABELS: Dict[str, Tuple[int, int, Tuple[int, int, int]]] = {
    'road': (7, 0, (128, 64, 128)),
    'sidewalk': (8, 1, (244, 35, 232)),
    'building': (11, 2, (70, 70, 70)),
    'vegetation': (21, 8, (107, 142, 35)),
    'sky': (23, 10, (70, 130, 180)),
    'person': (24, 11, (220, 20, 60)),
    'car': (26, 13, (0, 0, 142)),
}
_EGO_VEHICLE = 1  # a label id without a train id, like the real car hood
_CITIES = dict(train=('aachen', 'bochum'), val=('frankfurt', ))


def _scene(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Label-id map of a street scene."""
    ids = np.empty((height, width), np.uint8)
    sky_end = int(height * rng.uniform(0.2, 0.35))
    road_start = int(height * rng.uniform(0.55, 0.7))
    ids[:sky_end] = _LABELS['sky'][0]
    ids[sky_end:road_start] = _LABELS['building'][0]
    tree = int(rng.integers(0, width // 2))
    ids[sky_end:road_start, tree:tree + width // 6] = \
        _LABELS['vegetation'][0]
    ids[road_start:] = _LABELS['road'][0]
    ids[road_start:, :width // 8] = _LABELS['sidewalk'][0]
    for name, w, h in (('car', width // 5, height // 6),
                       ('person', width // 16, height // 4)):
        x = int(rng.integers(width // 8, width - w))
        y = max(0, road_start - h // 2)
        ids[y:y + h, x:x + w] = _LABELS[name][0]
    ids[-max(1, height // 16):] = _EGO_VEHICLE
    return ids


def make_cityscapes(root: str,
                    num_train: int = 4,
                    num_val: int = 2,
                    size: Tuple[int, int] = (128, 64),
                    seed: int = 0) -> str:
    """Write a Cityscapes miniature and return ``root``.

    Args:
        root (str): Output directory.
        num_train (int): Images in ``train`` (spread over two cities).
        num_val (int): Images in ``val``.
        size (tuple): ``(width, height)``; the real data are 2048x1024.
        seed (int): Random seed.

    Returns:
        str: ``root``.
    """
    if num_train < 1 or num_val < 1:
        raise ValueError('make_cityscapes: num_train and num_val must be '
                         f'>= 1, got {num_train} and {num_val}')
    rng = np.random.default_rng(seed)
    width, height = size
    train_lut = np.full(256, 255, np.uint8)
    colour_lut = np.zeros((256, 3), np.uint8)
    for label_id, train_id, colour in _LABELS.values():
        train_lut[label_id] = train_id
        colour_lut[label_id] = colour
    for split, count in (('train', num_train), ('val', num_val)):
        cities = _CITIES[split]
        for idx in range(count):
            city = cities[idx % len(cities)]
            stem = f'{city}_{idx:06d}_000019'
            img_dir = osp.join(root, 'leftImg8bit', split, city)
            gt_dir = osp.join(root, 'gtFine', split, city)
            os.makedirs(img_dir, exist_ok=True)
            os.makedirs(gt_dir, exist_ok=True)
            ids = _scene(rng, width, height)
            noise = rng.integers(-15, 16, (height, width, 3))
            img = np.clip(colour_lut[ids].astype(int) + noise, 0, 255)
            Image.fromarray(img.astype(np.uint8)).save(
                osp.join(img_dir, f'{stem}_leftImg8bit.png'))
            Image.fromarray(ids).save(
                osp.join(gt_dir, f'{stem}_gtFine_labelIds.png'))
            Image.fromarray(train_lut[ids]).save(
                osp.join(gt_dir, f'{stem}_gtFine_labelTrainIds.png'))
            Image.fromarray(colour_lut[ids]).save(
                osp.join(gt_dir, f'{stem}_gtFine_color.png'))
    return root
