# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The mmseg converter commands of docs/dataset_prepare.md run as written:
the VOC12aug one on an SBD miniature (``.mat`` class masks and the SBD
split lists) next to a VOC2012 devkit."""
import os.path as osp
import re

import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat

from tests.conftest import REPO, run_tool

pytestmark = pytest.mark.slow

PREPARE = osp.join(REPO, 'docs', 'dataset_prepare.md')
# voc_aug.py checks the size of the real SBD + VOC2012 train list
AUG_LEN = 10582


def _doc_lines(converter: str) -> list:
    """The shell lines of the page that find mmseg's converters and run
    ``converter``."""
    text = open(PREPARE).read()
    lines = [
        line for block in re.findall(r'```shell\n(.*?)```', text, re.DOTALL)
        for line in block.splitlines()
    ]
    find = [ln for ln in lines if ln.startswith('MMSEG_CONVERTERS=')]
    run = [ln for ln in lines if f'$MMSEG_CONVERTERS/{converter}' in ln]
    assert find and run, f'{PREPARE} gives no command for {converter}'
    return [find[0], run[0]]


def _write_lines(path, names):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(n + '\n' for n in names))


def test_voc_aug_command_converts_sbd_masks(tmp_path):
    devkit = tmp_path / 'data' / 'VOCdevkit'
    seg_sets = devkit / 'VOC2012' / 'ImageSets' / 'Segmentation'
    voc_train = [f'2007_00000{i}' for i in range(3)]
    voc_val = ['2007_000010', '2007_000011']
    _write_lines(seg_sets / 'train.txt', voc_train)
    _write_lines(seg_sets / 'val.txt', voc_val)
    # SBD lists: one VOC val image (excluded from the aug lists) and new ids
    sbd = [voc_val[0]] + [f'2008_{i:06d}' for i in range(AUG_LEN - 3)]
    dataset = devkit / 'VOCaug' / 'dataset'
    _write_lines(dataset / 'train.txt', sbd[:5000])
    _write_lines(dataset / 'val.txt', sbd[5000:])
    rng = np.random.default_rng(0)
    masks = {}
    (dataset / 'cls').mkdir()
    for name in sbd[1:4]:
        masks[name] = rng.integers(0, 21, (6, 8)).astype(np.uint8)
        savemat(
            str(dataset / 'cls' / f'{name}.mat'), {
                'GTcls': {
                    'Segmentation': masks[name],
                    'Boundaries': np.zeros(1)
                }
            })
    run_tool(['bash', '-ec', '\n'.join(_doc_lines('voc_aug.py'))],
             cwd=tmp_path)
    out = devkit / 'VOC2012' / 'SegmentationClassAug'
    assert sorted(p.name for p in out.iterdir()) == sorted(f'{name}.png'
                                                           for name in masks)
    for name, mask in masks.items():
        np.testing.assert_array_equal(
            np.asarray(Image.open(out / f'{name}.png')), mask)
    aug = (seg_sets / 'aug.txt').read_text().split()
    assert sorted(aug) == sorted(sbd[1:])
    assert len(aug) == AUG_LEN - len(voc_train)
