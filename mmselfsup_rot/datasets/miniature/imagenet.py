# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""ImageNet-layout miniatures: ``root/{train,val}/<class>/*.JPEG`` plus
``root/meta/{train,val}.txt`` with ``relative/path label`` lines, the layout
mmpretrain's ``ImageNet`` and ``CustomDataset`` read."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from PIL import Image


def _write_split(root: str, split: str, images: np.ndarray, labels: np.ndarray,
                 class_names: Sequence[str], ext: str) -> None:
    lines = []
    counters: Dict[int, int] = {}
    for img, label in zip(images, labels):
        label = int(label)
        idx = counters.get(label, 0)
        counters[label] = idx + 1
        rel = f'{class_names[label]}/{class_names[label]}_{idx:05d}{ext}'
        path = osp.join(root, split, rel)
        os.makedirs(osp.dirname(path), exist_ok=True)
        Image.fromarray(img).save(path, quality=95)
        lines.append(f'{rel} {label}\n')
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
        f.writelines(lines)


def make_imagenet(root: str,
                  num_classes: int = 2,
                  train_per_class: int = 4,
                  val_per_class: int = 2,
                  size: int = 40,
                  seed: int = 0,
                  ext: str = '.JPEG',
                  noise: float = 0.0) -> str:
    """Write a random-image ImageNet miniature and return its root.

    Images are smooth random colour fields (so that rotations are
    distinguishable), ``size x size`` RGB, with ImageNet-style WordNet-like
    folder names ``n0000000k``. ``noise`` > 0 adds Gaussian pixel noise of
    that standard deviation: texture that makes the JPEG files about as
    large (and as slow to decode) as photographs; 0 (the default) keeps
    the smooth fields.
    """
    rng = np.random.default_rng(seed)
    class_names = [f'n{idx:08d}' for idx in range(num_classes)]
    for split, per_class in (('train', train_per_class), ('val',
                                                          val_per_class)):
        count = num_classes * per_class
        coarse = rng.integers(0, 256, (count, 4, 4, 3), dtype=np.uint8)
        images = np.stack([
            np.asarray(
                Image.fromarray(c).resize((size, size), Image.BILINEAR))
            for c in coarse
        ])
        # a bright corner gives each image an unambiguous orientation
        images[:, :size // 4, :size // 4] = 255
        for img in images if noise > 0 else ():  # one at a time: memory
            img[...] = np.clip(
                img + rng.normal(0, noise, img.shape).astype(np.float32), 0,
                255)
        labels = np.repeat(np.arange(num_classes), per_class)
        _write_split(root, split, images, labels, class_names, ext)
    return root


def make_digits_imagenet(root: str,
                         size: int = 32,
                         val_fraction: float = 0.25,
                         seed: int = 0,
                         limit: Optional[int] = None) -> str:
    """Write scikit-learn's bundled handwritten digits (1,797 real 8x8
    images, no download) as an ImageNet-layout dataset, upscaled to
    ``size`` px RGB PNGs with a stratified train/val split."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = (digits.images / 16.0 * 255).round().astype(np.uint8)
    labels = digits.target
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    if limit is not None:
        order = order[:limit]
    images, labels = images[order], labels[order]
    upscaled = np.stack([
        np.asarray(
            Image.fromarray(img).resize(
                (size, size), Image.BICUBIC).convert('RGB')) for img in images
    ])
    is_val = np.zeros(len(labels), dtype=bool)
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        is_val[idx[:int(round(len(idx) * val_fraction))]] = True
    names = [f'digit_{d}' for d in range(10)]
    _write_split(root, 'train', upscaled[~is_val], labels[~is_val], names,
                 '.png')
    _write_split(root, 'val', upscaled[is_val], labels[is_val], names, '.png')
    return root


def make_imagenet_download(root: str,
                           num_classes: int = 3,
                           train_per_class: int = 2,
                           val_per_class: int = 2,
                           size: int = 16,
                           seed: int = 0) -> str:
    """Write a miniature of the ILSVRC2012 download, before any
    annotation file exists, and return its root::

        root/train/<wnid>/<wnid>_<n>.JPEG
        root/val/ILSVRC2012_val_<8 digits>.JPEG          (flat, mixed classes)
        root/ILSVRC2012_devkit_t12/data/meta.mat
        root/ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt

    Every image of a class is one solid colour of its own (channels in
    {0, 128, 255}, so at most 27 classes), so a label can be checked from
    the pixels. As in the real kit, the ``ILSVRC2012_ID``
    order of ``meta.mat`` differs from the sorted WordNet ids (here it is
    reversed) and a non-leaf synset follows the leaves.
    """
    from scipy.io import savemat
    if not 0 < num_classes <= 27:
        raise ValueError(f'num_classes must be in [1, 27], got {num_classes}.')
    rng = np.random.default_rng(seed)
    wnids = [f'n{1440764 + 1000 * idx:08d}' for idx in range(num_classes)]
    grid = np.stack(np.meshgrid(*[[0, 128, 255]] * 3), -1).reshape(-1, 3)
    colours = rng.permutation(grid)[:num_classes]

    def save(path: str, cls: int) -> None:
        os.makedirs(osp.dirname(path), exist_ok=True)
        img = np.broadcast_to(colours[cls].astype(np.uint8), (size, size, 3))
        Image.fromarray(np.ascontiguousarray(img)).save(path, quality=95)

    for cls, wnid in enumerate(wnids):
        for idx in range(train_per_class):
            save(osp.join(root, 'train', wnid, f'{wnid}_{idx}.JPEG'), cls)
    val_classes = rng.permutation(
        np.repeat(np.arange(num_classes), val_per_class))
    for idx, cls in enumerate(val_classes, 1):
        save(osp.join(root, 'val', f'ILSVRC2012_val_{idx:08d}.JPEG'), cls)

    data = osp.join(root, 'ILSVRC2012_devkit_t12', 'data')
    os.makedirs(data, exist_ok=True)
    ids = {wnid: num_classes - cls for cls, wnid in enumerate(wnids)}
    fields = ('ILSVRC2012_ID', 'WNID', 'words', 'gloss', 'num_children',
              'wordnet_height', 'num_train_images')
    synsets = np.zeros((num_classes + 1, 1), dtype=[(f, 'O') for f in fields])
    leaves = sorted(wnids, key=ids.get)
    for row, wnid in enumerate(leaves):
        synsets[row, 0] = (ids[wnid], wnid, f'class {wnid}', 'a leaf', 0, 0,
                           train_per_class)
    synsets[num_classes, 0] = (num_classes + 1, 'n09999999', 'entity',
                               'a non-leaf synset', num_classes, 1, 0)
    savemat(osp.join(data, 'meta.mat'), {'synsets': synsets})
    with open(osp.join(data, 'ILSVRC2012_validation_ground_truth.txt'),
              'w') as f:
        f.writelines(f'{ids[wnids[cls]]}\n' for cls in val_classes)
    return root
