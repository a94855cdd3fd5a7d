# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""CIFAR-10-format miniatures: ``root/cifar-10-batches-py/`` with the
pickled ``data_batch_1`` .. ``data_batch_5``, ``test_batch`` and
``batches.meta`` that mmpretrain's ``CIFAR10`` reads."""
import contextlib
import os
import os.path as osp
import pickle
from typing import Iterator, Tuple

import numpy as np

CIFAR10_CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog',
                   'frog', 'horse', 'ship', 'truck')


def _images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``(N, 3072)`` uint8 rows in CIFAR's channel-major layout.

    Each class has its own mean colour (so classes are learnable) and every
    image a bright top-left corner (so rotations are distinguishable).
    """
    palette = rng.integers(40, 216, (len(CIFAR10_CLASSES), 3))
    noise = rng.integers(-40, 41, (len(labels), 32, 32, 3))
    imgs = np.clip(palette[labels][:, None, None, :] + noise, 0, 255)
    imgs[:, :8, :8] = 255
    return imgs.astype(np.uint8).transpose(0, 3, 1, 2).reshape(len(labels), -1)


def _dump(path: str, obj: dict) -> None:
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=2)


def make_cifar10(root: str,
                 train_per_class: int = 10,
                 test_per_class: int = 2,
                 seed: int = 0) -> str:
    """Write a CIFAR-10-format miniature and return ``root``.

    Like the real files, the training images are in shuffled class order
    and split over five batches.

    Args:
        root (str): Directory to create ``cifar-10-batches-py`` in (the
            ``data_root`` of mmpretrain's ``CIFAR10``).
        train_per_class (int): Training images per class. Defaults to 10.
        test_per_class (int): Test images per class. Defaults to 2.
        seed (int): Random seed. Defaults to 0.

    Returns:
        str: ``root``.
    """
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'cifar-10-batches-py')
    os.makedirs(folder, exist_ok=True)
    num_classes = len(CIFAR10_CLASSES)
    train = rng.permutation(np.repeat(np.arange(num_classes), train_per_class))
    data = _images(train, rng)
    for idx, part in enumerate(np.array_split(np.arange(len(train)), 5)):
        _dump(
            osp.join(folder, f'data_batch_{idx + 1}'), {
                'batch_label': f'training batch {idx + 1} of 5',
                'labels': [int(v) for v in train[part]],
                'data': data[part],
                'filenames': [f'img_{i:06d}.png' for i in part],
            })
    test = rng.permutation(np.repeat(np.arange(num_classes), test_per_class))
    _dump(
        osp.join(folder, 'test_batch'), {
            'batch_label': 'testing batch 1 of 1',
            'labels': [int(v) for v in test],
            'data': _images(test, rng),
            'filenames': [f'test_{i:06d}.png' for i in range(len(test))],
        })
    _dump(
        osp.join(folder, 'batches.meta'), {
            'label_names': list(CIFAR10_CLASSES),
            'num_cases_per_batch': int(np.ceil(len(train) / 5)),
            'num_vis': 3072,
        })
    return root


@contextlib.contextmanager
def cifar10_checksums_skipped() -> Iterator[None]:
    """Let mmpretrain's ``CIFAR10`` read a miniature.

    ``CIFAR10`` checks the MD5 sums of the real CIFAR-10 files, which a
    generated miniature cannot match; inside this context the sums are not
    checked (everything else, pickles and layout included, is read as
    usual). The real files need no such context.
    """
    from mmpretrain.datasets import CIFAR10

    def unchecked(entries: list) -> list:
        return [[name, None] for name, _ in entries]

    saved: Tuple[list, list] = (CIFAR10.train_list, CIFAR10.test_list)
    CIFAR10.train_list = unchecked(saved[0])
    CIFAR10.test_list = unchecked(saved[1])
    try:
        yield
    finally:
        CIFAR10.train_list, CIFAR10.test_list = saved
