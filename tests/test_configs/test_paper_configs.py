# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Every config of the paper's models and protocols trains two iterations
through tools/train.py on generated miniatures (CIFAR-10 pickles, ImageNet
and Places205 folders), in-process to keep the suite fast."""
import glob
import importlib.util
import math
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.datasets.miniature import (cifar10_checksums_skipped,
                                              make_cifar10, make_imagenet,
                                              make_places205)
from mmselfsup_rot.utils.logs import read_scalars
from tests.conftest import REPO

pytestmark = pytest.mark.slow

PRETRAIN = sorted(
    osp.relpath(p, REPO) for p in
    glob.glob(osp.join(REPO, 'configs', 'rotation-pred_*_*cifar10.py')) +
    glob.glob(osp.join(REPO, 'configs', 'rotation-pred_alexnet-bn_*.py')))
CIFAR_PROTOCOLS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'benchmarks', 'classification', 'cifar10', '*.py')))
# 4 training images in batches of 2 -> exactly 2 iterations in one epoch
# (the K-per-class configs keep 1 image of each of the 10 classes: 2 x 5)


def _load_train_tool():
    spec = importlib.util.spec_from_file_location(
        'mmselfsup_rot_train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('paper_data')
    cifar = make_cifar10(
        str(root / 'cifar10'), train_per_class=1, test_per_class=1)
    folder = make_imagenet(
        str(root / 'folder'),
        num_classes=2,
        train_per_class=2,
        val_per_class=1,
        size=72)
    # the released Places205 layout (images256 + trainvalsplit CSVs)
    places = make_places205(
        str(root / 'places205'),
        categories=('abbey', 'alley'),
        train_per_class=2,
        size=72)
    # a RotNet NIN-4b checkpoint for the evaluation protocols
    cfg = Config.fromfile(
        osp.join(REPO, 'configs',
                 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10.py'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = str(root / 'rotnet_nin4b.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    return dict(
        cifar=cifar, folder=folder, places=places, ckpt=ckpt, model=model)


def _options(config: str, data: dict) -> list:
    name = osp.basename(config)
    semi = '-k' in name
    common = [
        f'train_dataloader.batch_size={5 if semi else 2}',
        'train_dataloader.num_workers=0', 'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=1', 'randomness.seed=0'
    ]
    if 'alexnet' in name:
        root = data['places' if 'places205' in name else 'folder']
        return common + [
            f'train_dataloader.dataset.data_root={root}',
            'train_dataloader.dataset.pipeline.1.scale=64'
        ]
    common += [
        'val_dataloader.batch_size=2', 'val_dataloader.num_workers=0',
        'val_dataloader.dataset.indices=2', 'train_cfg.val_interval=1'
    ]
    if semi:  # 1 labelled image per class
        common += [
            'train_dataloader.dataset.num_per_class=1',
            f'train_dataloader.dataset.dataset.data_root={data["cifar"]}'
        ]
    else:
        common += [
            f'train_dataloader.dataset.data_root={data["cifar"]}',
            'train_dataloader.dataset.indices=4'
        ]
    common += [
        f'val_dataloader.dataset.data_root={data["cifar"]}',
        f'test_dataloader.dataset.data_root={data["cifar"]}'
    ]
    if config.startswith('benchmarks') and 'supervised' not in name:
        common.append(f'model.backbone.init_cfg.checkpoint={data["ckpt"]}')
    return common


@pytest.mark.parametrize('config', PRETRAIN + CIFAR_PROTOCOLS)
def test_config_trains_two_iterations(config, data, tmp_path, monkeypatch):
    work = tmp_path / 'work'
    monkeypatch.setattr(sys, 'argv', [
        'train.py',
        osp.join(REPO, config), '--work-dir',
        str(work), '--cfg-options'
    ] + _options(config, data))
    with cifar10_checksums_skipped():
        _load_train_tool().main()

    records = [r for r in read_scalars(str(work)) if 'loss' in r]
    assert [r['iter'] for r in records] == [1, 2]
    assert all(math.isfinite(r['loss']) for r in records)
    state = torch.load(work / 'epoch_1.pth', map_location='cpu')['state_dict']
    cfg = Config.fromfile(osp.join(REPO, config))
    if config.startswith('configs'):
        assert state['head.fc.weight'].shape[0] == len(
            mmselfsup_rot.utils.parse_angles(cfg.model.angles))
        return
    # evaluation protocols: validated, and frozen blocks kept their weights
    assert any('accuracy/top1' in r for r in read_scalars(str(work)))
    backbone = cfg.model.backbone
    first = 'backbone.blocks.0.0.conv.weight'
    source = data['model'].state_dict()[first]
    if backbone.get('frozen_stages', -1) > 0:
        assert torch.equal(state[first], source)
    elif 'supervised' not in config:
        assert not torch.equal(state[first], source)  # fine-tuned
