# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import os.path as osp
import sys

import numpy as np
import pytest

from mmselfsup_rot.downstream import knn_classify, make_subset_ann
from tests.conftest import REPO, run_tool


def test_knn_on_clustered_features_and_vote_weighting():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 16)) * 5
    train_y = np.repeat(np.arange(4), 30)
    test_y = np.repeat(np.arange(4), 5)
    train = centres[train_y] + rng.normal(size=(120, 16))
    test = centres[test_y] + rng.normal(size=(20, 16))
    res = knn_classify(train, train_y, test, test_y, ks=(10, 20, 100))
    assert res[10]['top1'] == 100.0 and res[20]['top5'] == 100.0
    # with k = all training samples, unweighted votes would tie; the
    # similarity weighting still finds the right class
    assert res[100]['top1'] == 100.0
    shuffled = knn_classify(
        train, rng.permutation(train_y), test, test_y, ks=(10, ))
    assert shuffled[10]['top1'] < 70
    with pytest.raises(ValueError, match='exceeds'):
        knn_classify(train, train_y, test, test_y, ks=(200, ))


def _ann(tmp_path):
    path = tmp_path / 'train.txt'
    lines = [
        f'n{c:08d}/n{c:08d}_{i}.JPEG {c}\n' for c in range(3)
        for i in range(20)
    ]
    path.write_text(''.join(lines))
    return str(path)


def test_subset_fraction_is_class_balanced_and_seeded(tmp_path):
    ann = _ann(tmp_path)
    out = tmp_path / 'meta' / 'train_10percent.txt'
    assert make_subset_ann(ann, str(out), fraction=0.1, seed=1) == 6
    rows = [line.split() for line in out.read_text().splitlines()]
    assert sorted(int(r[1]) for r in rows) == [0, 0, 1, 1, 2, 2]
    assert all(r[0].startswith(f'n{int(r[1]):08d}/') for r in rows)
    again = tmp_path / 'again.txt'
    make_subset_ann(ann, str(again), fraction=0.1, seed=1)
    assert again.read_text() == out.read_text()


def test_subset_from_simclr_list(tmp_path):
    ann = _ann(tmp_path)
    names = tmp_path / '1percent.txt'
    names.write_text('n00000000_3.JPEG\nn00000002_7.JPEG\n')
    out = tmp_path / 'sub.txt'
    assert make_subset_ann(ann, str(out), image_list=str(names)) == 2
    assert out.read_text() == ('n00000000/n00000000_3.JPEG 0\n'
                               'n00000002/n00000002_7.JPEG 2\n')
    names.write_text('n00000009_1.JPEG\n')
    with pytest.raises(ValueError, match='not in'):
        make_subset_ann(ann, str(out), image_list=str(names))
    with pytest.raises(ValueError, match='exactly one'):
        make_subset_ann(ann, str(out))


def test_subset_tool_command_line(tmp_path):
    """The documented commands of tools/benchmarks/make_imagenet_subset.py
    write the same files as the function."""
    ann = _ann(tmp_path)
    tool = osp.join(REPO, 'tools', 'benchmarks', 'make_imagenet_subset.py')
    out = tmp_path / 'meta' / 'train_10percent.txt'
    proc = run_tool([
        sys.executable, tool, ann,
        str(out), '--fraction', '0.1', '--seed', '1'
    ])
    assert proc.stdout.strip().splitlines()[-1] == f'6 images -> {out}'
    ref = tmp_path / 'ref.txt'
    make_subset_ann(ann, str(ref), fraction=0.1, seed=1)
    assert out.read_text() == ref.read_text()
    names = tmp_path / '1percent.txt'
    names.write_text('n00000001_2.JPEG\n')
    run_tool([
        sys.executable, tool, ann,
        str(tmp_path / 'one.txt'), '--image-list',
        str(names)
    ])
    assert (tmp_path / 'one.txt').read_text() == \
        'n00000001/n00000001_2.JPEG 1\n'
