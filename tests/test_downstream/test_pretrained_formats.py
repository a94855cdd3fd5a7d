# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Every place where a benchmark launcher's PRETRAINED enters takes this
project's checkpoints, mmselfsup 1.x rotation-pred checkpoints and official
RotNet checkpoints, and refuses other files in one line:

- ``save_backbone_checkpoint`` (``tools/benchmarks/prepare_pretrained.py``:
  linear, multi-head linear and semi-supervised launchers);
- ``load_backbone_weights`` (``tools/benchmarks/extract.py``: SVM, kNN);
- ``transfer.prepare_pretrained`` (``tools/benchmarks/train_transfer.py``:
  detection, segmentation).
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.downstream import (load_backbone_weights,
                                      save_backbone_checkpoint)
from mmselfsup_rot.downstream.transfer import prepare_pretrained
from mmselfsup_rot.utils.checkpoint import CheckpointError
from tests.conftest import REPO, run_tool
from tests.source_networks import (OfficialNIN, mmselfsup1x_model,
                                   randomise_bn, save_mmselfsup1x_checkpoint)

RESNET18 = dict(type='ResNet', depth=18)
NIN4 = dict(type='NIN', num_stages=4)


def _build(cfg):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def _weights(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """name -> (file, backbone config, the backbone weights it holds)."""
    root = tmp_path_factory.mktemp('formats')
    out = {}
    torch.manual_seed(0)
    model = _build(
        dict(
            type='RotationPred',
            backbone=RESNET18,
            head=dict(type='RotationHead', in_channels=512)))
    randomise_bn(model)
    path = str(root / 'epoch_70.pth')
    torch.save({'meta': {'epoch': 70}, 'state_dict': model.state_dict()}, path)
    out['ours'] = (path, RESNET18, _weights(model.backbone))
    path = str(root / 'backbone.pth')
    torch.save({'state_dict': model.backbone.state_dict()}, path)
    out['ours-backbone'] = (path, RESNET18, _weights(model.backbone))
    onex = mmselfsup1x_model(depth=18)
    path = save_mmselfsup1x_checkpoint(onex, str(root / 'rot_1x.pth'))
    out['mmselfsup-1.x'] = (path, RESNET18, _weights(onex.backbone))
    official = randomise_bn(OfficialNIN(num_stages=4))
    path = str(root / 'model_net_epoch200')
    torch.save({'epoch': 200, 'network': official.state_dict()}, path)
    nin = _build(NIN4)
    for idx, block in enumerate(nin.blocks):  # the mapping, spelt out
        for conv_idx in range(3):
            src = official._feature_blocks[idx][conv_idx].layers
            block[conv_idx].conv.load_state_dict(src.Conv.state_dict())
            block[conv_idx].bn.load_state_dict(src.BatchNorm.state_dict())
    out['rotnet-official'] = (path, NIN4, _weights(nin))
    path = str(root / 'foreign.pth')
    torch.save({'optimizer': {'lr': torch.tensor(0.1)}}, path)
    out['foreign'] = (path, RESNET18, None)
    return out


FORMATS = ['ours', 'ours-backbone', 'mmselfsup-1.x', 'rotnet-official']


def _assert_holds(module, expected):
    got = module.state_dict()
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(got[key], value), key


@pytest.mark.parametrize('name', FORMATS)
def test_prepare_pretrained_writes_what_the_configs_load(
        checkpoints, tmp_path, name):
    path, cfg, expected = checkpoints[name]
    dst = save_backbone_checkpoint(path, str(tmp_path / 'pretrained.pth'))
    backbone = _build(
        dict(
            cfg,
            init_cfg=dict(
                type='Pretrained', checkpoint=dst, prefix='backbone.')))
    backbone.init_weights()
    _assert_holds(backbone, expected)


@pytest.mark.parametrize('name', FORMATS)
def test_extraction_loads_each_format(checkpoints, name):
    path, cfg, expected = checkpoints[name]
    backbone = _build(cfg)
    load_backbone_weights(backbone, path)
    _assert_holds(backbone, expected)


@pytest.mark.parametrize('name', FORMATS)
def test_transfer_loads_each_format(checkpoints, tmp_path, name):
    path, cfg, expected = checkpoints[name]
    config = Config(
        dict(
            model=dict(
                type='ImageClassifier',
                backbone=dict(
                    cfg,
                    init_cfg=dict(
                        type='Pretrained', checkpoint=None,
                        prefix='backbone.'))),
            work_dir=str(tmp_path)))
    state, paths = prepare_pretrained(config, path)
    assert paths == ['backbone']
    assert {k: v for k, v in state.items()}.keys() == expected.keys()
    backbone = _build(config.model.backbone)
    backbone.init_weights()
    _assert_holds(backbone, expected)


def test_every_entry_refuses_other_files_in_one_line(checkpoints, tmp_path):
    path, cfg, _ = checkpoints['foreign']
    config = Config(
        dict(
            model=dict(
                backbone=dict(
                    cfg,
                    init_cfg=dict(
                        type='Pretrained', checkpoint=None,
                        prefix='backbone.'))),
            work_dir=str(tmp_path)))
    for load in (
            lambda: save_backbone_checkpoint(path, str(tmp_path / 'x.pth')),
            lambda: load_backbone_weights(_build(cfg), path),
            lambda: prepare_pretrained(config, path)):
        with pytest.raises(CheckpointError) as err:
            load()
        msg = str(err.value)
        assert '\n' not in msg
        assert msg.startswith(f'{path} is not a checkpoint format this '
                              'project reads: it holds no weights')
        assert 'official RotNet checkpoints' in msg


def test_prepare_pretrained_tool_logs_and_fails_in_one_line(
        checkpoints, tmp_path):
    tool = osp.join(REPO, 'tools', 'benchmarks', 'prepare_pretrained.py')
    path = checkpoints['rotnet-official'][0]
    proc = run_tool(['python', tool, path, str(tmp_path / 'ok.pth')])
    assert (f'{path}: recognised format: official RotNet checkpoint; '
            f'{len(checkpoints["rotnet-official"][2])} backbone tensors, '
            'converted in memory.') in proc.stdout
    path = checkpoints['foreign'][0]
    proc = run_tool(
        ['python', tool, path, str(tmp_path / 'no.pth')], check=False)
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stdout
    errors = [ln for ln in proc.stdout.splitlines() if ln.startswith('error')]
    assert len(errors) == 1, proc.stdout
    assert errors[0].startswith(f'error: {path} is not a checkpoint format')
