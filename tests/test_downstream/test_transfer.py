# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The transfer launcher's weight handling on the real mmdet/mmseg models:
our RotNet weights end up in the detector's and segmentor's backbones
(tensors equal after ``init_weights``), and checkpoints that would not
load are refused before training."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmselfsup_rot.downstream.transfer import (PretrainedMismatchError,
                                               check_pretrained_keys,
                                               prepare_pretrained)
from tests.test_benchmarks.transfer_helpers import DET, PRETRAIN_CFGS, SEG

C4 = osp.join(DET, 'voc0712', 'faster-rcnn_r50-c4_8xb2-ms-24k_voc0712.py')
MASK = osp.join(DET, 'coco', 'mask-rcnn_r50-fpn_8xb2-ms-1x_coco.py')
ALEX_DET = osp.join(DET, 'voc07',
                    'faster-rcnn_alexnet-bn-conv5_8xb2-12k_voc07.py')
FCN = osp.join(SEG, 'voc12aug', 'fcn_r50-d8_4xb4-20k_voc12aug-512x512.py')
ALEX_SEG = osp.join(SEG, 'voc12',
                    'fcn_alexnet-bn-conv5_4xb4-20k_voc12-512x512.py')


def _build(cfg):
    from mmengine.registry import MODELS

    from mmselfsup_rot.utils.launch import replace_sync_bn
    replace_sync_bn(cfg.model)
    init_default_scope(cfg.default_scope)
    return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def rotnet_weights(tmp_path_factory):
    """Full RotationPred checkpoints ({'state_dict': ...}) of randomly
    initialised models built from our pretraining configs."""
    paths = {}
    for arch, config in PRETRAIN_CFGS.items():
        cfg = Config.fromfile(config)
        torch.manual_seed(0)
        model = _build(cfg)
        path = tmp_path_factory.mktemp('ckpt') / f'{arch}.pth'
        torch.save({'state_dict': model.state_dict()}, path)
        paths[arch] = str(path)
    return paths


def _load(config, ckpt, tmp_path):
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path)
    state, paths = prepare_pretrained(cfg, ckpt)
    model = _build(cfg)
    check = cfg.get('pretrained_check') or {}
    loaded = check_pretrained_keys(model, state, paths,
                                   check.get('allow_missing', ()),
                                   check.get('allow_unused', ()))
    model.init_weights()
    return model, state, loaded


def _assert_equal(module, state, keys):
    target = module.state_dict()
    for key in keys:
        assert torch.equal(target[key], state[key]), key


@pytest.mark.parametrize('config,arch,paths', [
    (C4, 'resnet50', ['backbone', 'roi_head.shared_head']),
    (MASK, 'resnet50', ['backbone']),
    (FCN, 'resnet50', ['backbone']),
    (ALEX_DET, 'alexnet', ['backbone']),
    (ALEX_SEG, 'alexnet', ['backbone']),
])
def test_pretrained_backbone_loaded(config, arch, paths, rotnet_weights,
                                    tmp_path):
    model, state, loaded = _load(config, rotnet_weights[arch], tmp_path)
    assert list(loaded) == paths
    for path in paths:
        _assert_equal(model.get_submodule(path), state, loaded[path])
    used = set().union(*loaded.values())
    if arch == 'resnet50':
        # every tensor, the 7x7 stem included, is used exactly once
        assert used == set(state)
        assert sum(len(v) for v in loaded.values()) == len(state)
        assert 'conv1.weight' in loaded['backbone']
    else:
        assert used == {k for k in state if not k.startswith('fc_block.')}
        assert len(used) == 35  # conv1..conv5: conv w/b + 5 BN tensors


def test_c4_shared_head_gets_res5(rotnet_weights, tmp_path):
    model, state, _ = _load(C4, rotnet_weights['resnet50'], tmp_path)
    head = model.roi_head.shared_head
    assert torch.equal(head.layer4[0].conv2.weight,
                       state['layer4.0.conv2.weight'])
    assert not hasattr(model.backbone, 'layer4')
    # normalised as in pretraining: RGB, ImageNet mean/std
    pre = model.data_preprocessor
    assert pre._channel_conversion
    assert torch.allclose(pre.mean.flatten(),
                          torch.tensor([123.675, 116.28, 103.53]))


def test_backbone_only_weights(rotnet_weights, tmp_path):
    full = torch.load(rotnet_weights['resnet50'])['state_dict']
    path = tmp_path / 'backbone.pth'
    torch.save(
        {
            k[len('backbone.'):]: v
            for k, v in full.items() if k.startswith('backbone.')
        }, path)
    model, state, loaded = _load(FCN, str(path), tmp_path)
    assert len(loaded['backbone']) == len(state) == 318
    _assert_equal(model.backbone, state, loaded['backbone'])


def test_deep_stem_backbone_is_refused(rotnet_weights, tmp_path):
    """mmseg's default ResNetV1c would silently skip our 7x7 stem."""
    cfg = Config.fromfile(FCN)
    cfg.work_dir = str(tmp_path)
    cfg.model.backbone.type = 'ResNetV1c'
    state, paths = prepare_pretrained(cfg, rotnet_weights['resnet50'])
    with pytest.raises(
            PretrainedMismatchError,
            match=r'backbone: 18 tensors missing .*stem\.0\.'
            r'weight.*skipped \(conv1\.weight, bn1'):
        check_pretrained_keys(_build(cfg), state, paths)


def test_wrong_architecture_is_refused(rotnet_weights, tmp_path):
    cfg = Config.fromfile(C4)
    cfg.work_dir = str(tmp_path)
    state, paths = prepare_pretrained(cfg, rotnet_weights['alexnet'])
    with pytest.raises(
            PretrainedMismatchError,
            match='backbone: none of its 258 tensors'):
        check_pretrained_keys(_build(cfg), state, paths)


def test_random_init_baseline_clears_init_cfg(tmp_path):
    cfg = Config.fromfile(C4)
    cfg.work_dir = str(tmp_path)
    state, paths = prepare_pretrained(cfg, 'none')
    assert not state and paths == ['backbone', 'roi_head.shared_head']
    assert cfg.model.backbone.init_cfg is None
