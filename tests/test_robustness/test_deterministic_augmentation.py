# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Per-sample seeding through tools/train.py with real dataloader workers:
kill -9 + ``--resume`` with persistent workers ends with the weights of the
uninterrupted run (digits demo and a 224 px ImageNet-layout config), 0, 1
and 2 workers train the same weights (also with the ImageNet config's flip
on the device), and two epochs draw different augmentations of the same
image."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmselfsup_rot.datasets.miniature import (make_digits_imagenet,
                                              make_imagenet)
from tests.conftest import (MAIN_CFG, REPO, assert_same_weights,
                            checkpoint_weights, kill_when_logged, run_tool)

pytestmark = pytest.mark.slow

DIGITS_CFG = osp.join(REPO, 'configs',
                      'rotation-pred_resnet18_1xb64-coslr-12e_digits.py')
# One stage of 8 channels: each step takes milliseconds, so a run is mostly
# start-up; the data pipelines and loaders are those of the configs.
TINY_RESNET = [
    'model.backbone.depth=18', 'model.backbone.num_stages=1',
    'model.backbone.strides=[1]', 'model.backbone.dilations=[1]',
    'model.backbone.out_indices=[0]', 'model.backbone.stem_channels=8',
    'model.backbone.base_channels=8', 'model.head.in_channels=8'
]
# the digits config's online probe follows the one stage
TINY_PROBE = [
    'model.online_probe.stages=[0]', 'model.online_probe.in_channels=[8]'
]
EPOCHS = 3


def _train(cfg, work, options, resume=False, **kwargs):
    args = [
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), cfg, '--work-dir',
        str(work), '--no-validate'
    ]
    args += ['--resume'] if resume else []
    return args + ['--cfg-options'] + options


def _kill_in_epoch_2_and_resume(cfg, work, options, iters_per_epoch):
    """Run, SIGKILL the run during epoch 2 (its persistent workers have
    loaded part of the epoch), resume from epoch_1.pth."""
    kill_when_logged(
        _train(cfg, work, options), work.parent / f'{work.name}.log',
        rf'Epoch\(train\) +\[2\]\[1/{iters_per_epoch}\]')
    assert (work / 'epoch_1.pth').exists()
    assert not (work / f'epoch_{EPOCHS}.pth').exists()
    proc = run_tool(_train(cfg, work, options, resume=True))
    assert 'Per-sample seeding of the training data' in proc.stdout
    return checkpoint_weights(work / f'epoch_{EPOCHS}.pth')


# ------------------------------------------------------------ digits demo
@pytest.fixture(scope='module')
def digits(tmp_path_factory):
    root = tmp_path_factory.mktemp('digits')
    # 46 training images: 5 iterations of 8 per epoch (drop_last)
    return make_digits_imagenet(str(root), limit=64)


def _digits_options(root, workers):
    return [
        f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.batch_size=8',
        f'train_dataloader.num_workers={workers}',
        f'train_cfg.max_epochs={EPOCHS}',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.logger.interval=1',
    ] + TINY_RESNET + TINY_PROBE


@pytest.fixture(scope='module')
def digits_full(digits, tmp_path_factory):
    """Uninterrupted runs with the shipped loader (2 persistent workers),
    1 worker and the main process."""
    works = {}
    for workers in (2, 1, 0):
        works[workers] = tmp_path_factory.mktemp(f'digits_w{workers}')
        run_tool(
            _train(DIGITS_CFG, works[workers],
                   _digits_options(digits, workers)))
    return {
        w: checkpoint_weights(p / f'epoch_{EPOCHS}.pth')
        for w, p in works.items()
    }


def test_digits_same_weights_with_0_1_and_2_workers(digits_full):
    assert_same_weights(digits_full[2], digits_full[1])
    assert_same_weights(digits_full[2], digits_full[0])


def test_digits_sigkill_and_resume_with_persistent_workers(
        digits, digits_full, tmp_path):
    options = _digits_options(digits, 2)  # the shipped persistent loader
    resumed = _kill_in_epoch_2_and_resume(DIGITS_CFG, tmp_path / 'killed',
                                          options, 5)
    assert_same_weights(digits_full[2], resumed)


class _RecordInputs(Hook):
    """Keep every training image the loader delivered, by epoch and file."""

    def __init__(self):
        self.inputs = {}

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        for img, sample in zip(data_batch['inputs'],
                               data_batch['data_samples']):
            self.inputs[(runner.epoch, sample.img_path)] = img.clone()


def test_digits_two_epochs_draw_different_augmentations(digits, tmp_path):
    cfg = Config.fromfile(DIGITS_CFG)
    cfg.work_dir = str(tmp_path)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': digits,
        'train_dataloader.batch_size': 8,
        'train_cfg.max_epochs': 2,
        'model.backbone.num_stages': 1,
        'model.backbone.strides': [1],
        'model.backbone.dilations': [1],
        'model.backbone.out_indices': [0],
        'model.backbone.stem_channels': 8,
        'model.backbone.base_channels': 8,
        'model.head.in_channels': 8,
        'model.online_probe.stages': [0],
        'model.online_probe.in_channels': [8],
    })
    # the shipped loader: 2 persistent workers
    assert cfg.train_dataloader.num_workers == 2
    assert cfg.train_dataloader.persistent_workers
    runner = Runner.from_cfg(cfg)
    record = _RecordInputs()
    runner.register_hook(record, priority='LOWEST')
    runner.train()
    files = sorted({path for _, path in record.inputs})
    both = [
        f for f in files if (0, f) in record.inputs and (1, f) in record.inputs
    ]
    assert len(both) >= 30
    same = [
        f for f in both
        if torch.equal(record.inputs[(0, f)], record.inputs[(1, f)])
    ]
    # RandomCrop(32, padding=2) has 25 positions: few repeat by chance
    assert len(same) <= len(both) // 5, (len(same), len(both))


# ------------------------------------------------- ImageNet layout, 224 px
def test_imagenet_224_sigkill_and_resume_with_persistent_workers(
        tmp_path_factory, tmp_path):
    # 12 source images of 256 px, RandomResizedCrop to 224, the flip on the
    # device (RotationDataPreprocessor.flip_prob=0.5, main-process RNG)
    root = make_imagenet(
        str(tmp_path_factory.mktemp('imagenet224')),
        num_classes=3,
        train_per_class=4,
        val_per_class=1,
        size=256)
    options = [
        f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.batch_size=4',
        'train_dataloader.num_workers=2',
        f'train_cfg.max_epochs={EPOCHS}',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.logger.interval=1',
        'randomness.seed=0',
    ] + TINY_RESNET
    full = tmp_path / 'full'
    run_tool(_train(MAIN_CFG, full, options))
    full = checkpoint_weights(full / f'epoch_{EPOCHS}.pth')
    resumed = _kill_in_epoch_2_and_resume(MAIN_CFG, tmp_path / 'killed',
                                          options, 3)
    assert_same_weights(full, resumed)
    # the pipelines in the main process: the same loading and, reseeded
    # per iteration, the same flips on the device
    main = tmp_path / 'main_process'
    run_tool(
        _train(MAIN_CFG, main, options + ['train_dataloader.num_workers=0']))
    assert_same_weights(full, checkpoint_weights(main / f'epoch_{EPOCHS}.pth'))
