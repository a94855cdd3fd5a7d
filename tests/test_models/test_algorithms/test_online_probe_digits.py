# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The online probes of the demo's digits config, on real runners: the
pretraining is bit-identical with and without them, they beat chance
within the demo's epochs, their per-stage top-1 reaches the logs, and a
dataset without labels gets one warning and no probe."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmselfsup_rot.datasets.miniature import make_digits_imagenet
from mmselfsup_rot.utils.logs import read_scalars
from tests.conftest import (REPO, assert_same_weights, checkpoint_weights,
                            forget_visualizers)

DIGITS_CFG = osp.join(REPO, 'configs',
                      'rotation-pred_resnet18_1xb64-coslr-12e_digits.py')
EPOCHS = 2
STAGES = ['stage1', 'stage2', 'stage3', 'stage4']


def _cfg(data_root, work_dir, name):
    cfg = Config.fromfile(DIGITS_CFG)
    assert cfg.train_cfg.max_epochs >= EPOCHS  # fewer than the demo's
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = name
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(
            batch_size=8 if loader == 'train_dataloader' else 40,
            num_workers=0,
            persistent_workers=False)
        cfg[loader].dataset.data_root = data_root
    cfg.train_cfg.max_epochs = EPOCHS
    # 60 small steps (8 images x 4 rotations) instead of the demo's 250
    # large ones: enough for the backbone's BatchNorm running statistics,
    # which the validation uses, to forget their initial values; a fifth
    # of the learning rate for the smaller batch. The probe's lr is the
    # config's.
    cfg.optim_wrapper.optimizer.lr /= 5
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = EPOCHS
    cfg.log_level = 'WARNING'
    return cfg


def _train(cfg):
    forget_visualizers()
    Runner.from_cfg(cfg).train()
    return checkpoint_weights(osp.join(cfg.work_dir, f'epoch_{EPOCHS}.pth'))


@pytest.fixture(scope='module')
def digits(tmp_path_factory):
    root = tmp_path_factory.mktemp('digits')
    return make_digits_imagenet(str(root / 'data'), limit=320)


@pytest.fixture(scope='module')
def runs(digits, tmp_path_factory):
    root = tmp_path_factory.mktemp('online_probe_runs')
    with_probe = _cfg(digits, root / 'probe', 'probe')
    assert with_probe.model.online_probe.type == 'OnlineLinearProbe'
    without = _cfg(digits, root / 'plain', 'plain')
    without.model.online_probe = None
    return dict(
        probe=(_train(with_probe), with_probe.work_dir),
        plain=(_train(without), without.work_dir))


def test_pretraining_is_bit_identical_with_and_without_probe(runs):
    probed, _ = runs['probe']
    plain, _ = runs['plain']
    probe_keys = {k for k in probed if k.startswith('online_probe.')}
    assert probe_keys  # the probe's state is checkpointed with the model
    assert_same_weights(
        {
            k: v
            for k, v in probed.items() if k not in probe_keys
        }, plain)
    logs = [read_scalars(runs[k][1]) for k in ('probe', 'plain')]
    losses = [[r['loss'] for r in log if 'loss' in r] for log in logs]
    assert len(losses[0]) > 0 and losses[0] == losses[1]


def test_probe_beats_chance_and_reaches_the_logs(runs):
    _, work_dir = runs['probe']
    val = [r for r in read_scalars(work_dir) if 'rotation/accuracy' in r]
    assert [r['step'] for r in val] == list(range(1, EPOCHS + 1))
    for record in val:
        assert {f'online-probe/{s}_top1' for s in STAGES} <= set(record)
    last = val[-1]
    # ten classes: chance is 10%
    assert max(last[f'online-probe/{s}_top1'] for s in STAGES) > 40
    assert min(last[f'online-probe/{s}_top1'] for s in STAGES) > 15
    train = [r for r in read_scalars(work_dir) if 'probe_ce' in r]
    assert train and f'probe_acc_{STAGES[0]}' in train[0]
    # the run's JSON log (besides the visualizer's scalars.json)
    (json_log, ) = [
        p for p in glob.glob(osp.join(work_dir, '*', 'vis_data', '*.json'))
        if osp.basename(p) != 'scalars.json'
    ]
    with open(json_log) as f:
        records = [json.loads(line) for line in f if line.strip()]
    assert any('online-probe/stage4_top1' in r for r in records)
    plain = read_scalars(runs['plain'][1])
    assert not any(k.startswith('online-probe') for r in plain for k in r)


def test_dataset_without_labels_warns_once_and_trains(digits, tmp_path):
    cfg = _cfg(digits, tmp_path / 'work', 'unlabelled')
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.checkpoint.interval = 1
    for loader in ('train_dataloader', 'val_dataloader'):
        # the image folders read without their annotation files or labels
        cfg[loader].dataset.update(ann_file='', with_label=False)
    forget_visualizers()
    runner = Runner.from_cfg(cfg)
    initial = {
        k: v.clone()
        for k, v in runner.model.online_probe.state_dict().items()
    }
    runner.train()
    (log, ) = glob.glob(str(tmp_path / 'work' / '*' / '*.log'))
    with open(log) as f:
        warnings = [line for line in f if 'no class labels' in line]
    assert len(warnings) == 1
    for key, value in runner.model.online_probe.state_dict().items():
        assert torch.equal(value, initial[key]), key
    records = read_scalars(str(tmp_path / 'work'))
    assert any('rotation/accuracy' in r for r in records)
    assert not any(k.startswith('online-probe') for r in records for k in r)
