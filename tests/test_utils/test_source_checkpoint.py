# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The source-checkpoint record that benchmark runs write."""
import hashlib
import json
import os.path as osp

import pytest
import torch

from mmselfsup_rot.downstream import save_backbone_checkpoint
from mmselfsup_rot.utils.source_checkpoint import (RECORD_FILE,
                                                   ensure_source_record,
                                                   read_source_record,
                                                   source_record,
                                                   write_source_record)


@pytest.fixture
def checkpoint(tmp_path):
    """A RotationPred-style checkpoint (backbone and head weights)."""
    torch.manual_seed(0)
    path = tmp_path / 'pretrain' / 'epoch_3.pth'
    path.parent.mkdir()
    torch.save(
        {
            'meta': {
                'epoch': 3
            },
            'state_dict': {
                'backbone.conv1.weight': torch.randn(4, 3, 3, 3),
                'head.fc.weight': torch.randn(4, 8)
            }
        }, path)
    return str(path)


def _sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_record_names_path_and_content_hash(checkpoint, tmp_path):
    out = write_source_record(
        str(tmp_path / 'bench'), [checkpoint, checkpoint], 'tools/train.py',
        'cfg.py')
    assert out == str(tmp_path / 'bench' / RECORD_FILE)
    record = read_source_record(str(tmp_path / 'bench'))
    assert record == dict(
        checkpoint=checkpoint,
        sha256=_sha256(checkpoint),
        loaded=[],
        tool='tools/train.py',
        config=osp.abspath('cfg.py'))


def test_converted_backbone_points_back_to_its_source(checkpoint, tmp_path):
    # what dist_train_linear.sh loads: a backbone-only copy in the
    # benchmark's own work_dir
    first = save_backbone_checkpoint(checkpoint,
                                     str(tmp_path / 'a' / 'backbone.pth'))
    # converting a converted file keeps the original source
    second = save_backbone_checkpoint(first,
                                      str(tmp_path / 'b' / 'backbone.pth'))
    saved = torch.load(second, weights_only=True)
    assert list(saved['state_dict']) == ['backbone.conv1.weight']
    record = source_record([second], 'tools/train.py')
    assert record['checkpoint'] == checkpoint
    assert record['sha256'] == _sha256(checkpoint)
    assert record['loaded'] == [dict(path=second, sha256=_sha256(second))]


def test_no_weights_and_bad_files(tmp_path):
    record = source_record(['none', None, 'random'], 'extract.py')
    assert record['checkpoint'] is None and record['sha256'] is None
    with pytest.raises(FileNotFoundError, match='not found'):
        source_record([str(tmp_path / 'missing.pth')], 'extract.py')
    assert read_source_record(str(tmp_path)) is None
    (tmp_path / RECORD_FILE).write_text('{"path": 1}')
    with pytest.raises(ValueError, match='no "checkpoint" key'):
        read_source_record(str(tmp_path))
    (tmp_path / RECORD_FILE).write_text('{')
    with pytest.raises(ValueError, match='not valid JSON'):
        read_source_record(str(tmp_path))


def test_ensure_keeps_an_existing_record(checkpoint, tmp_path):
    folder = str(tmp_path / 'features')
    assert ensure_source_record(folder, checkpoint, 'svm_voc07.py')
    before = (tmp_path / 'features' / RECORD_FILE).read_text()
    assert ensure_source_record(folder, 'none', 'knn.py') is None
    assert (tmp_path / 'features' / RECORD_FILE).read_text() == before
    assert json.loads(before)['checkpoint'] == checkpoint
    # a checkpoint that is gone: nothing to hash, nothing written
    gone = str(tmp_path / 'old')
    assert ensure_source_record(gone, str(tmp_path / 'x.pth'), 'knn.py') \
        is None
    assert read_source_record(gone) is None
