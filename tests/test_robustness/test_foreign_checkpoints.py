# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Checkpoints of another architecture or toolbox are refused with a list
of what matched and what did not; pickles that run code are refused."""
import os

import pytest
import torch
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.downstream.pretrained import load_backbone_weights
from mmselfsup_rot.utils.checkpoint import (CheckpointError,
                                            check_checkpoint_fits,
                                            load_state_dict_checked)


def _resnet(depth):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(dict(type='ResNet', depth=depth))


def test_same_architecture_loads_exactly():
    src, dst = _resnet(18), _resnet(18)
    report = load_state_dict_checked(dst, src.state_dict())
    assert len(report['matched']) == len(src.state_dict())
    for key, value in src.state_dict().items():
        assert torch.equal(dst.state_dict()[key], value), key


def test_wrong_architecture_lists_shapes_and_missing():
    dst = _resnet(50)
    before = {k: v.clone() for k, v in dst.state_dict().items()}
    with pytest.raises(CheckpointError) as err:
        load_state_dict_checked(dst, _resnet(18).state_dict(), 'r18.pth')
    msg = str(err.value)
    assert msg.startswith('r18.pth does not fit the model: ')
    assert 'differ in shape (e.g. layer1.0.conv1.weight: [64, 64, 3, 3] ' \
        'in the checkpoint, [64, 64, 1, 1] in the model)' in msg
    assert 'are missing' in msg and '\n' not in msg
    # nothing was loaded
    for key, value in dst.state_dict().items():
        assert torch.equal(before[key], value), key


def test_other_toolbox_has_no_matching_key():
    foreign = {
        'features.0.weight': torch.zeros(64, 3, 11, 11),
        'classifier.6.bias': torch.zeros(1000)
    }
    with pytest.raises(
            CheckpointError,
            match=r'0 of \d+ weights match.*'
            r"checkpoint key prefixes \['classifier', "
            r"'features'\], model key prefixes \['bn1', "):
        load_state_dict_checked(_resnet(18), foreign)


def test_benchmark_loader_refuses_foreign_weights(tmp_path):
    path = str(tmp_path / 'r18.pth')
    torch.save(
        {
            'state_dict': {
                f'backbone.{k}': v
                for k, v in _resnet(18).state_dict().items()
            }
        }, path)
    with pytest.raises(ValueError, match='r18.pth does not fit the model'):
        load_backbone_weights(_resnet(50), path)
    load_backbone_weights(_resnet(18), path)


class _Evil:

    def __reduce__(self):
        return (os.system, ('touch /tmp/_mmselfsup_rot_pwned', ))


def test_whole_model_check_is_safe_and_explains(tmp_path):
    model = _resnet(18)
    good = str(tmp_path / 'good.pth')
    torch.save({'state_dict': model.state_dict()}, good)
    assert check_checkpoint_fits(model, good)['unexpected'] == []
    with pytest.raises(CheckpointError, match='does not fit'):
        check_checkpoint_fits(_resnet(34), good)
    evil = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'x': _Evil()}, evil)
    with pytest.raises(
            CheckpointError,
            match='Cannot load .* safely .*'
            'unsupported GLOBAL posix.system'):
        check_checkpoint_fits(model, evil)
    assert not os.path.exists('/tmp/_mmselfsup_rot_pwned')
