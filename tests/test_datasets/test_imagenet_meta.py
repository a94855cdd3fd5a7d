# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""tools/dataset_converters/prepare_imagenet_meta.py on a miniature of the
ILSVRC2012 download: the annotation files mmpretrain's ImageNet reads, with
every validation label checked against the pixels of the training images
of that class."""
import csv
import os
import os.path as osp
import runpy
import sys

import numpy as np
import pytest
from PIL import Image

from mmselfsup_rot.datasets.checks import DatasetError, check_dataset_cfg
from mmselfsup_rot.datasets.imagenet_meta import write_imagenet_meta
from mmselfsup_rot.datasets.miniature import make_imagenet_download
from tests.conftest import REPO, run_tool

TOOL = osp.join(REPO, 'tools', 'dataset_converters',
                'prepare_imagenet_meta.py')


@pytest.fixture
def download(tmp_path):
    return make_imagenet_download(
        str(tmp_path / 'imagenet'), num_classes=3, val_per_class=3)


def _lines(path):
    with open(path) as f:
        return [line.split() for line in f]


def _colour(path):
    return np.asarray(Image.open(path).convert('RGB')).reshape(-1, 3).mean(0)


def _assert_labels_match_pixels(root):
    train = _lines(osp.join(root, 'meta', 'train.txt'))
    colour_of = {}
    for rel, label in train:
        colour_of.setdefault(int(label), _colour(osp.join(root, 'train', rel)))
    val = _lines(osp.join(root, 'meta', 'val.txt'))
    assert [name for name, _ in val] == sorted(os.listdir(f'{root}/val'))
    for name, label in val:
        seen = _colour(osp.join(root, 'val', name))
        nearest = min(colour_of, key=lambda c: abs(colour_of[c] - seen).sum())
        assert nearest == int(label), name


def test_devkit_labels_through_the_tool(download):
    proc = run_tool([
        'python', TOOL, download, '--devkit',
        osp.join(download, 'ILSVRC2012_devkit_t12')
    ])
    assert ('3 classes; meta/train.txt: 6 images, meta/val.txt: 9 images'
            in proc.stdout)
    train = _lines(osp.join(download, 'meta', 'train.txt'))
    # labels follow the sorted WordNet ids, whatever meta.mat's ID order
    assert train[0] == ['n01440764/n01440764_0.JPEG', '0']
    assert [int(label) for _, label in train] == [0, 0, 1, 1, 2, 2]
    _assert_labels_match_pixels(download)
    # what mmpretrain's ImageNet reads now passes the project's check
    for split in ('train', 'val'):
        check_dataset_cfg(
            dict(type='ImageNet', data_root=download, split=split), limit=None)


def test_label_file_forms_give_the_devkit_labels(download, tmp_path):
    write_imagenet_meta(
        download,
        devkit=osp.join(download, 'ILSVRC2012_devkit_t12'),
        progress=False)
    expected = _lines(osp.join(download, 'meta', 'val.txt'))
    wnids = sorted(os.listdir(osp.join(download, 'train')))
    # the localisation challenge's CSV, names without extension
    loc = tmp_path / 'LOC_val_solution.csv'
    with open(loc, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['ImageId', 'PredictionString'])
        for name, label in reversed(expected):
            wnid = wnids[int(label)]
            writer.writerow([name[:-5], f'{wnid} 1 2 30 40 {wnid} 3 4 5 6'])
    # Caffe-style "<image> <label>" lines
    caffe = tmp_path / 'val.txt'
    caffe.write_text(''.join(f'{n} {lab}\n' for n, lab in expected))
    for labels in (loc, caffe):
        os.remove(osp.join(download, 'meta', 'val.txt'))
        write_imagenet_meta(download, label_file=str(labels), progress=False)
        assert _lines(osp.join(download, 'meta', 'val.txt')) == expected


def test_bad_inputs_stop_in_one_line(download, tmp_path, monkeypatch):
    labels = tmp_path / 'labels.txt'
    labels.write_text('ILSVRC2012_val_00000001.JPEG n01440764\n')
    monkeypatch.setattr(sys, 'argv',
                        [TOOL, download, '--val-labels',
                         str(labels)])
    with pytest.raises(SystemExit) as err:
        runpy.run_path(TOOL, run_name='__main__')
    assert str(err.value) == (
        f'error: 8 image(s) of {download}/val have no validation label, '
        "e.g. 'ILSVRC2012_val_00000002.JPEG'.")
    labels.write_text('ILSVRC2012_val_00000099.JPEG n01440764\n')
    with pytest.raises(DatasetError, match="name 'ILSVRC2012_val_00000099"):
        write_imagenet_meta(download, label_file=str(labels), progress=False)
    with pytest.raises(DatasetError, match='exactly one of'):
        write_imagenet_meta(download, progress=False)
    with pytest.raises(DatasetError, match='class folders'):
        write_imagenet_meta(str(tmp_path / 'nowhere'), progress=False)
