# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pickle
from collections import Counter

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.datasets import KPerClassDataset
from mmselfsup_rot.datasets.miniature import (cifar10_checksums_skipped,
                                              make_cifar10)


@pytest.fixture(scope='module')
def cifar_root(tmp_path_factory):
    return make_cifar10(
        str(tmp_path_factory.mktemp('cifar')),
        train_per_class=7,
        test_per_class=2)


def _cifar(root, split='train'):
    return dict(
        type='CIFAR10',
        data_root=root,
        split=split,
        download=False,
        pipeline=[dict(type='PackInputs')])


def test_miniature_is_read_by_mmpretrain(cifar_root):
    with cifar10_checksums_skipped():
        train = DATASETS.build(_cifar(cifar_root))
        test = DATASETS.build(_cifar(cifar_root, 'test'))
    assert len(train) == 70 and len(test) == 20
    counts = Counter(train.get_gt_labels().tolist())
    assert counts == {c: 7 for c in range(10)}
    sample = train.get_data_info(0)
    assert sample['img'].shape == (32, 32, 3)
    assert sample['img'].dtype == np.uint8
    # shuffled class order over five batches, as in the real files
    labels = train.get_gt_labels()
    assert not np.array_equal(labels, np.sort(labels))
    with open(f'{cifar_root}/cifar-10-batches-py/data_batch_3', 'rb') as f:
        batch = pickle.load(f, encoding='latin1')
    assert batch['data'].shape == (14, 3072)


def test_real_checksums_reject_the_miniature(cifar_root):
    with pytest.raises(RuntimeError, match='Cannot find CIFAR10'):
        DATASETS.build(_cifar(cifar_root))


@pytest.mark.parametrize('k', [1, 3, 7])
def test_first_k_per_class(cifar_root, k):
    with cifar10_checksums_skipped():
        full = DATASETS.build(_cifar(cifar_root))
        subset = DATASETS.build(
            dict(
                type='KPerClassDataset',
                num_per_class=k,
                dataset=_cifar(cifar_root)))
    labels = full.get_gt_labels()
    assert len(subset) == 10 * k
    counts = Counter(subset.get_gt_labels().tolist())
    assert counts == {c: k for c in range(10)}
    expected = sorted(
        i for c in range(10) for i in np.flatnonzero(labels == c)[:k])
    assert subset._ori_indices == expected
    for pos, idx in enumerate(expected):
        assert np.array_equal(
            subset.get_data_info(pos)['img'],
            full.get_data_info(idx)['img'])
    assert subset.metainfo['classes'][0] == 'airplane'
    assert subset[0]['data_samples'].gt_label.item() == labels[expected[0]]


def test_too_few_images_is_a_clear_error(cifar_root):
    with cifar10_checksums_skipped(), pytest.raises(
            ValueError, match='fewer than 8 images'):
        DATASETS.build(
            dict(
                type='KPerClassDataset',
                num_per_class=8,
                dataset=_cifar(cifar_root)))
    with pytest.raises(ValueError, match='positive'):
        KPerClassDataset(dict(type='CIFAR10'), num_per_class=0, lazy_init=True)
