# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""tools/misc/migrate_mmselfsup_config.py on mmselfsup 1.x's own
rotation-pred configs (tests/data/mmselfsup_1x, unmodified copies): the
migrated config builds, rotates as 1.x did, trains, and 1.x weights load
into it with identical features and logits."""
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.model_zoo.mmselfsup1x_config import (
    MigrationError, load_mmselfsup1x_config, migrate_mmselfsup1x_config)
from mmselfsup_rot.utils.checkpoint_formats import convert_mmselfsup1x
from mmselfsup_rot.utils.launch import replace_sync_bn
from tests.conftest import REPO, checkpoint_weights, run_tool
from tests.source_networks import (mmselfsup1x_model, run_tool_main,
                                   save_mmselfsup1x_checkpoint)

TOOL = osp.join('tools', 'misc', 'migrate_mmselfsup_config.py')
ROT_1X = osp.join(REPO, 'tests', 'data', 'mmselfsup_1x', 'configs', 'selfsup',
                  'rotation_pred')
PLAIN = osp.join(ROT_1X, 'rotation-pred_resnet50_8xb16-steplr-70e_in1k.py')
AMP = osp.join(ROT_1X, 'rotation-pred_resnet50_8xb16-amp-steplr-70e_in1k.py')


def _migrate(src, dst, monkeypatch, capsys, *flags):
    run_tool_main(TOOL, monkeypatch, src, dst, *flags)
    return capsys.readouterr().out.splitlines(), Config.fromfile(str(dst))


def _build_model(cfg):
    model_cfg = cfg.model.copy()
    replace_sync_bn(model_cfg)  # no CUDA here
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(model_cfg)


@pytest.mark.parametrize('src', [PLAIN, AMP], ids=['plain', 'amp'])
def test_migrated_config_states_each_change(tmp_path, monkeypatch, capsys,
                                            src):
    lines, cfg = _migrate(src, tmp_path / 'migrated.py', monkeypatch, capsys)
    changes = lines[:-1]
    assert lines[-1] == f'{len(changes)} changes; wrote ' \
        f'{tmp_path / "migrated.py"}'
    for expected in (
            "model.clockwise: True added: keeps mmselfsup 1.x's clockwise",
            "model.data_preprocessor.type: 'mmselfsup.RotationPredData"
            "Preprocessor' -> 'RotationDataPreprocessor'",
            "model.data_preprocessor.bgr_to_rgb: renamed 'to_rgb'",
            'model.backbone.out_indices: [4] -> [3] (1.x counted the stem',
            'model.head.type: ClsHead -> RotationHead (weights '
            'head.fc_cls.* -> head.fc.*)',
            "model.head.with_avg_pool: True -> pool_type='avg'",
            "model.head.loss.type: 'mmcls.CrossEntropyLoss' -> "
            "'CrossEntropyLoss'",
            "dataset_type: 'mmcls.ImageNet' -> 'ImageNet'",
            "train_dataloader.dataset.type: 'mmcls.ImageNet' -> 'ImageNet'",
            "train_dataloader.dataset.pipeline.1: RandomResizedCrop "
            "arguments ['size'] -> ['scale']",
            'train_dataloader.dataset.pipeline.2: RandomFlip(prob=0.5) -> '
            'model.data_preprocessor.flip_prob=0.5',
            'train_dataloader.dataset.pipeline.3: RotationWithLabels '
            'dropped',
            "train_dataloader.dataset.pipeline.4: PackSelfSupInputs("
            "pseudo_label_keys=['rot_label'], meta_keys=['img_path']) -> "
            "PackInputs(meta_keys=['img_path'])",
            "default_scope: 'mmselfsup' -> 'mmpretrain', custom_imports",
            "visualizer.type: 'SelfSupVisualizer' -> 'UniversalVisualizer'",
    ):
        assert sum(ln.startswith(expected) for ln in changes) == 1, \
            (expected, changes)
    # kept: dataset, schedule, runtime
    data = cfg.train_dataloader.dataset
    assert (data.type, data.data_root, data.ann_file, data.data_prefix) == \
        ('ImageNet', 'data/imagenet/', 'meta/train.txt',
         dict(img_path='train/'))
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.optim_wrapper.optimizer == dict(
        type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4)
    assert cfg.optim_wrapper.type == ('AmpOptimWrapper'
                                      if src == AMP else 'OptimWrapper')
    assert [s.type for s in cfg.param_scheduler] == ['LinearLR', 'MultiStepLR']
    assert cfg.param_scheduler[1].milestones == [30, 50]
    assert cfg.train_cfg == dict(type='EpochBasedTrainLoop', max_epochs=70)
    assert cfg.default_hooks.checkpoint == dict(
        type='CheckpointHook', interval=10)
    assert cfg.default_scope == 'mmpretrain'
    assert cfg.custom_imports.imports == ['mmselfsup_rot']
    # the direction is stated, and explained next to where it is
    text = (tmp_path / 'migrated.py').read_text()
    assert cfg.model.clockwise is True
    assert '    # mmselfsup 1.x labels: label 1 = 90 degrees clockwise ' \
        '(mmcv.imrotate);\n' in text
    assert '# Rotation labels: clockwise, as in mmselfsup 1.x.' in text


def test_migrated_model_and_pipeline_build_and_run(tmp_path, monkeypatch,
                                                   capsys, mini_imagenet):
    _, cfg = _migrate(PLAIN, tmp_path / 'migrated.py', monkeypatch, capsys)
    model = _build_model(cfg)
    assert type(model.backbone).__name__ == 'ResNet'
    assert model.backbone.out_indices == (3, ) or \
        list(model.backbone.out_indices) == [3]
    assert model.clockwise and model.data_preprocessor.clockwise
    assert model.data_preprocessor.flip_prob == 0.5
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    folder = osp.join(mini_imagenet, 'train', 'n00000000')
    packed = pipeline(
        dict(img_path=osp.join(folder,
                               sorted(os.listdir(folder))[0])))
    assert packed['inputs'].shape == (3, 224, 224)
    assert 'rot_label' not in packed['data_samples']
    batch = model.data_preprocessor(
        dict(
            inputs=packed['inputs'][None],
            data_samples=[packed['data_samples']]),
        training=True)
    assert len(batch['inputs']) == 4  # the rotated views, on the device
    losses = model(**batch, mode='loss')
    assert torch.isfinite(losses['loss'])


def _rotate_1x(img, angle):
    """mmselfsup 1.x's RotationWithLabels: ``mmcv.imrotate``."""
    return mmcv.imrotate(img, angle)


@pytest.mark.parametrize('counter_clockwise', [False, True])
def test_migrated_rotations_are_mmselfsup1x_labels(tmp_path, monkeypatch,
                                                   capsys, counter_clockwise):
    flags = ['--counter-clockwise'] if counter_clockwise else []
    _, cfg = _migrate(PLAIN, tmp_path / 'migrated.py', monkeypatch, capsys,
                      *flags)
    model = _build_model(cfg)
    img = np.random.default_rng(0).integers(0, 256, (16, 16, 3), np.uint8)
    inputs = torch.from_numpy(img).permute(2, 0, 1)[None].contiguous()
    model.data_preprocessor.flip_prob = 0.  # compare the rotations only
    batch = model.data_preprocessor(
        dict(inputs=inputs, data_samples=None), training=True)
    views = batch['inputs']
    assert batch['data_samples'][0].rot_label.tolist() == [0, 1, 2, 3]
    pre = model.data_preprocessor
    for label_1x in range(4):
        expected = torch.from_numpy(_rotate_1x(img, 90 * label_1x))
        expected = expected.permute(2, 0, 1).float()[[2, 1, 0]]  # to_rgb
        expected = (expected - pre.mean) / pre.std
        # 1.x's label k is k * 90 degrees clockwise: our label (4 - k) % 4
        # when the labels are converted to counter-clockwise
        ours = (4 - label_1x) % 4 if counter_clockwise else label_1x
        torch.testing.assert_close(views[ours][0], expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize('counter_clockwise', [False, True])
def test_mmselfsup1x_weights_give_identical_features_and_logits(
        tmp_path, monkeypatch, capsys, counter_clockwise):
    flags = ['--counter-clockwise'] if counter_clockwise else []
    _, cfg = _migrate(PLAIN, tmp_path / 'migrated.py', monkeypatch, capsys,
                      *flags)
    source = mmselfsup1x_model(depth=50)
    src = save_mmselfsup1x_checkpoint(source, str(tmp_path / 'rot_1x.pth'))
    # as tools/model_converters/mmselfsup1x_to_mmselfsup_rot.py converts
    # (--keep-clockwise for a model that keeps 1.x's labels)
    state = convert_mmselfsup1x(
        torch.load(src, weights_only=True), keep_clockwise=cfg.model.clockwise)
    model = _build_model(cfg).eval()
    model.load_state_dict(state, strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats = model.extract_feat(x)
        expected_feats = source.backbone(x)
        logits = model.head(feats)
        expected = source.head(expected_feats)
    assert len(feats) == len(expected_feats) == 1
    assert torch.equal(feats[0], expected_feats[0])
    order = [0, 3, 2, 1] if counter_clockwise else [0, 1, 2, 3]
    assert torch.equal(logits, expected[:, order])


def test_unmappable_parts_fail_naming_the_key(tmp_path):
    cases = {
        "model = dict(head=dict(vit_backbone=True))":
        'model.head.vit_backbone: ViT heads have no counterpart',
        "model = dict(backbone=dict(sobel=True))":
        "model.backbone.sobel: ResNet of this project takes no 'sobel'",
        "model = dict(neck=dict(type='mmselfsup.NoSuchNeck'))":
        "model.neck.type: 'mmselfsup.NoSuchNeck' has no counterpart",
        "custom_hooks = [dict(type='SelfSupVisualizationHook')]":
        "custom_hooks.0.type: 'SelfSupVisualizationHook' has no counterpart",
        'mask_ratio = 0.75':
        'mask_ratio: no known counterpart in this project',
    }
    for idx, (extra, message) in enumerate(cases.items()):
        path = tmp_path / f'case{idx}.py'
        path.write_text(f'_base_ = {PLAIN!r}\n{extra}\n')
        with pytest.raises(MigrationError) as err:
            migrate_mmselfsup1x_config(load_mmselfsup1x_config(str(path)))
        assert str(err.value).startswith(message), str(err.value)
        assert '\n' not in str(err.value)
    proc = run_tool([
        'python',
        osp.join(REPO, TOOL),
        str(tmp_path / 'case4.py'),
        str(tmp_path / 'out.py')
    ],
                    check=False)
    assert proc.returncode != 0 and 'Traceback' not in proc.stdout
    assert not (tmp_path / 'out.py').exists()
    errors = [ln for ln in proc.stdout.splitlines() if ln.startswith('error')]
    assert len(errors) == 1 and 'mask_ratio' in errors[0], proc.stdout


def test_rotation_in_the_loader_states_the_direction(tmp_path, monkeypatch,
                                                     capsys, mini_imagenet):
    lines, cfg = _migrate(PLAIN, tmp_path / 'migrated.py', monkeypatch, capsys,
                          '--rotate-in-loader')
    steps = [s.type for s in cfg.train_dataloader.dataset.pipeline]
    assert steps == [
        'LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip',
        'RotationWithLabels', 'PackInputs'
    ]
    assert cfg.train_dataloader.dataset.pipeline[3].clockwise is True
    assert cfg.train_dataloader.dataset.pipeline[4].algorithm_keys == [
        'rot_label'
    ]
    assert 'flip_prob' not in cfg.model.data_preprocessor
    # the loader's four views go through the model's preprocessor as they
    # are, with the transform's labels
    model = _build_model(cfg)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    folder = osp.join(mini_imagenet, 'train', 'n00000000')
    packed = pipeline(
        dict(img_path=osp.join(folder,
                               sorted(os.listdir(folder))[0])))
    assert packed['data_samples'].rot_label.tolist() == [0, 1, 2, 3]
    batch = model.data_preprocessor(default_collate([packed]), training=True)
    assert len(batch['inputs']) == 4
    assert torch.isfinite(model(**batch, mode='loss')['loss'])


@pytest.mark.slow
def test_migrated_config_trains_two_iterations(tmp_path, monkeypatch, capsys,
                                               mini_imagenet):
    _, _ = _migrate(PLAIN, tmp_path / 'migrated.py', monkeypatch, capsys)
    work = tmp_path / 'work'
    proc = run_tool([
        'python',
        osp.join(REPO, 'tools', 'train.py'),
        str(tmp_path / 'migrated.py'), '--work-dir',
        str(work), '--cfg-options',
        f'train_dataloader.dataset.data_root={mini_imagenet}',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.dataset.pipeline.1.scale=32',
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=1', 'randomness.seed=0'
    ])
    # 8 images, 4 per batch: two iterations, each logged
    assert proc.stdout.count('Epoch(train) [1][') == 2, proc.stdout[-3000:]
    state = checkpoint_weights(work / 'epoch_1.pth')
    assert state['head.fc.weight'].shape == (4, 2048)
    assert 'backbone.layer4.2.conv3.weight' in state
