# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""RotationSetHook in a real Runner on a CIFAR-10 miniature: parts built
apart from the model with another rotation set stop the run before its
first iteration; a config whose set is shared trains and validates."""
import copy

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.datasets.miniature import (cifar10_checksums_skipped,
                                              make_cifar10)
from mmselfsup_rot.engine.rotation_set_config import share_rotation_set
from mmselfsup_rot.utils.rotation_set import RotationSetError


@pytest.fixture(scope='module')
def cifar(tmp_path_factory):
    return make_cifar10(
        str(tmp_path_factory.mktemp('cifar')),
        train_per_class=1,
        test_per_class=1)


def _loader(root, split, pipeline):
    return dict(
        batch_size=5,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(
            type='CIFAR10',
            data_root=root,
            split=split,
            indices=5,
            pipeline=pipeline))


def _cfg(root, work_dir, rotate=None, evaluator=None):
    """A 2-rotation RotNet (one NIN block) rotating in the loader."""
    rotate = rotate or dict(type='RotationWithLabels')
    pipeline = [rotate, dict(type='PackInputs', algorithm_keys=['rot_label'])]
    return Config(
        dict(
            default_scope='mmpretrain',
            work_dir=str(work_dir),
            model=dict(
                type='RotationPred',
                angles='two_0_180',
                data_preprocessor=dict(
                    type='SelfSupDataPreprocessor',
                    mean=[125.3, 123.0, 113.9],
                    std=[63.0, 62.1, 66.7]),
                backbone=dict(type='NIN', num_stages=1),
                head=dict(type='RotationHead', in_channels=96)),
            train_dataloader=_loader(root, 'train', pipeline),
            val_dataloader=_loader(root, 'test', copy.deepcopy(pipeline)),
            test_dataloader=_loader(root, 'test', copy.deepcopy(pipeline)),
            val_evaluator=evaluator or dict(type='RotationAccuracy'),
            test_evaluator=evaluator or dict(type='RotationAccuracy'),
            train_cfg=dict(by_epoch=True, max_epochs=1, val_interval=1),
            val_cfg=dict(),
            test_cfg=dict(),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
            default_hooks=dict(
                logger=dict(type='LoggerHook', interval=1),
                checkpoint=dict(type='CheckpointHook', interval=1)),
            custom_hooks=[dict(type='RotationSetHook')],
            randomness=dict(seed=0)))


def test_shared_set_trains_and_names_the_model_angles(cifar, tmp_path):
    cfg = _cfg(cifar, tmp_path)
    share_rotation_set(cfg)
    with cifar10_checksums_skipped():
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.test()
    assert runner.iter == 1
    assert set(metrics) == {
        'rotation/accuracy', 'rotation/accuracy_0deg',
        'rotation/accuracy_180deg'
    }


@pytest.mark.parametrize('stage', ['train', 'test'])
def test_unshared_metric_stops_before_the_first_iteration(
        cifar, tmp_path, stage):
    # built straight from the config: the metric kept its own default set
    cfg = _cfg(
        cifar,
        tmp_path,
        rotate=dict(type='RotationWithLabels', angles='two_0_180'))
    with cifar10_checksums_skipped():
        runner = Runner.from_cfg(cfg)
        with pytest.raises(RotationSetError) as err:
            getattr(runner, stage)()
    assert str(err.value) == (
        'rotation set mismatch: model angles (0, 180) vs '
        f'{"val" if stage == "train" else "test"}_evaluator.metrics.0 '
        '(RotationAccuracy) angles (0, 90, 180, 270); state the set once '
        'in model.angles')
    if stage == 'train':
        assert runner.iter == 0


def test_loader_side_direction_mismatch(cifar, tmp_path):
    cfg = _cfg(
        cifar,
        tmp_path,
        rotate=dict(
            type='RotationWithLabels', angles=[0, 180], clockwise=True),
        evaluator=dict(type='RotationAccuracy', angles=[0, 180]))
    with cifar10_checksums_skipped():
        runner = Runner.from_cfg(cfg)
        with pytest.raises(RotationSetError) as err:
            runner.train()
    assert str(err.value) == (
        'rotation set mismatch: model clockwise False vs '
        'train_dataloader.dataset.pipeline.transforms.0 (RotationWithLabels) '
        'clockwise True; state the set once in model.clockwise')
    # the tools refuse the same config before building anything
    with pytest.raises(RotationSetError, match='model clockwise False'):
        share_rotation_set(cfg)
