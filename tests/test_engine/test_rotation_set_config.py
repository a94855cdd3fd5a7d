# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The model owns the rotation set: configs state it once; a part that
states another is refused in one line."""
import os.path as osp

import pytest
from mmengine.config import Config

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.engine.rotation_set_config import (model_rotation_set,
                                                      share_rotation_set)
from mmselfsup_rot.utils.rotation_set import RotationSetError
from tests.conftest import REPO


def _cfg(model=None, pipeline=None, evaluator=None):
    model = model or dict(type='RotationPred', angles='two_0_180')
    pipeline = pipeline or [
        dict(type='RandomCrop', crop_size=32, padding=4),
        dict(type='RotationWithLabels'),
        dict(type='PackInputs', algorithm_keys=['rot_label']),
    ]
    return dict(
        model=model,
        train_dataloader=dict(
            batch_size=2,
            dataset=dict(
                type='RepeatDataset',
                times=2,
                dataset=dict(type='CIFAR10', pipeline=pipeline))),
        val_dataloader=dict(
            dataset=dict(
                type='CIFAR10',
                pipeline=[
                    dict(
                        type='RandomApply',
                        transforms=[dict(type='RandomRotationWithLabel')])
                ])),
        val_evaluator=evaluator or dict(type='RotationAccuracy'),
        test_evaluator=[dict(type='Accuracy'),
                        dict(type='RotationAccuracy')])


def test_parts_left_out_take_the_model_set_anywhere_in_the_config():
    cfg = _cfg(
        model=dict(
            type='FeatureDecoupling', angles='two_0_180', clockwise=True))
    share_rotation_set(cfg)
    rotate = cfg['train_dataloader']['dataset']['dataset']['pipeline'][1]
    assert rotate['angles'] == (0, 180) and rotate['clockwise'] is True
    nested = cfg['val_dataloader']['dataset']['pipeline'][0]['transforms'][0]
    assert nested['angles'] == (0, 180) and nested['clockwise'] is True
    # the metric names angles and has no direction
    assert cfg['val_evaluator'] == dict(
        type='RotationAccuracy', angles=(0, 180))
    assert cfg['test_evaluator'][1] == dict(
        type='RotationAccuracy', angles=(0, 180))
    assert cfg['test_evaluator'][0] == dict(type='Accuracy')


def test_stated_equal_sets_pass():
    cfg = _cfg(evaluator=dict(type='RotationAccuracy', angles=[0, 180]))
    share_rotation_set(cfg)
    assert cfg['val_evaluator']['angles'] == [0, 180]


@pytest.mark.parametrize('part, where, what, theirs', [
    (dict(evaluator=dict(type='RotationAccuracy', angles='four')),
     'val_evaluator (RotationAccuracy)', 'angles', '(0, 90, 180, 270)'),
    (dict(pipeline=[dict(type='RotationWithLabels', angles='two_90_270')]),
     'train_dataloader.dataset.dataset.pipeline.0 (RotationWithLabels)',
     'angles', '(90, 270)'),
    (dict(pipeline=[dict(type='RotationWithLabels', clockwise=True)]),
     'train_dataloader.dataset.dataset.pipeline.0 (RotationWithLabels)',
     'clockwise', 'True'),
])
def test_a_different_set_is_one_line(part, where, what, theirs):
    ours = dict(angles='(0, 180)', clockwise='False')[what]
    with pytest.raises(RotationSetError) as err:
        share_rotation_set(_cfg(**part))
    assert str(err.value) == (
        f'rotation set mismatch: model {what} {ours} vs {where} {what} '
        f'{theirs}; state the set once in model.{what}')


def test_other_models_own_no_set():
    cfg = _cfg(model=dict(type='AET'))
    share_rotation_set(cfg)
    assert 'angles' not in cfg['val_evaluator']
    assert model_rotation_set(dict(type='AET')) is None
    # the model's defaults where its config leaves the set out
    assert model_rotation_set(dict(type='RotationPred')) == ((0, 90, 180, 270),
                                                             False)


@pytest.mark.parametrize('name, angles', [
    ('rotation-pred_nin-4b-2rot-0-180_1xb128-steplr-200e_cifar10.py',
     (0, 180)),
    ('rotation-pred_nin-4b-2rot-90-270_1xb128-steplr-200e_cifar10.py',
     (90, 270)),
    ('rotation-pred_nin-4b-8rot_1xb128-steplr-200e_cifar10.py',
     tuple(range(0, 360, 45))),
])
def test_ablation_configs_state_the_set_once(name, angles):
    cfg = Config.fromfile(osp.join(REPO, 'configs', name))
    assert 'angles' not in cfg.model.data_preprocessor
    assert 'num_classes' not in cfg.model.head
    share_rotation_set(cfg)
    # the CIFAR configs evaluate the online probes too: a list of metrics
    metrics = cfg.val_evaluator if isinstance(cfg.val_evaluator,
                                              list) else [cfg.val_evaluator]
    rotation = [m for m in metrics if m.type == 'RotationAccuracy']
    assert len(rotation) == 1 and rotation[0].angles == angles
    pipelines = [
        cfg.train_dataloader.dataset.pipeline,
        cfg.val_dataloader.dataset.pipeline
    ]
    for step in (s for p in pipelines for s in p
                 if s.type == 'RotationWithLabels'):
        assert step.angles == angles
