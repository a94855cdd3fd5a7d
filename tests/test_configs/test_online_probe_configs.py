# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Which configs carry the online probes: on in the CIFAR-10 NIN configs
(off where the rotation set has no 0), defined and switched on by an
inheriting config (docs/pretraining.md) in the ImageNet recipes; the head
gets the same input with and without them."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from tests.conftest import REPO

SWITCH_ON = """_base_ = ['{recipe}']
model = dict(online_probe={{{{_base_.online_probe}}}})
train_cfg = dict(val_interval=10)
val_dataloader = {{{{_base_.test_dataloader}}}}
val_cfg = dict()
val_evaluator = [dict(type='RotationAccuracy'),
                 dict(type='OnlineProbeAccuracy')]
"""


def _model(cfg):
    model_cfg = cfg.model.to_dict()
    if model_cfg['backbone'].get('norm_cfg', {}).get('type') == 'SyncBN':
        model_cfg['backbone']['norm_cfg'] = dict(type='BN')
    return MODELS.build(model_cfg)


@pytest.mark.parametrize('recipe,stages,size', [
    ('rotation-pred_resnet50_8xb16-steplr-70e_in1k.py', 4, 64),
    ('rotation-pred_alexnet-bn_1xb192-steplr-50e_in1k.py', 5, 224),
])
def test_imagenet_recipes_switch_the_probe_on_by_inheritance(
        recipe, stages, size, tmp_path):
    plain = Config.fromfile(osp.join(REPO, 'configs', recipe))
    assert plain.model.get('online_probe') is None  # off by default
    assert 'val_dataloader' not in plain or not plain.val_dataloader
    path = tmp_path / 'on.py'
    path.write_text(SWITCH_ON.format(recipe=osp.join(REPO, 'configs', recipe)))
    cfg = Config.fromfile(str(path))
    assert len(cfg.model.online_probe.stages) == stages
    assert cfg.val_dataloader.dataset.split == 'val'
    torch.manual_seed(0)
    without = _model(plain).eval()
    torch.manual_seed(0)
    with_probe = _model(cfg).eval()
    x = torch.rand(2, 3, size, size)
    with torch.no_grad():
        head_input, probe_input = with_probe.backbone_features(x)
        expected = without.extract_feat(x)
        logits = with_probe.online_probe(probe_input)
    assert len(head_input) == len(expected) == 1
    assert torch.equal(head_input[0], expected[0])
    assert logits.shape == (2, stages, 1000)


def test_cifar_nin_configs_carry_the_probe_where_angle_zero_exists():
    configs = sorted(
        glob.glob(osp.join(REPO, 'configs', 'rotation-pred_nin-*cifar10.py')))
    assert len(configs) == 6
    for path in configs:
        cfg = Config.fromfile(path)
        probe = cfg.model.get('online_probe')
        if '90-270' in path:
            assert probe is None, path
            continue
        blocks = cfg.model.backbone.get('num_stages', 4)
        assert probe.stages == list(range(blocks)), path
        assert probe.stage_names == [f'block{i + 1}' for i in range(blocks)]
        model = _model(cfg)
        x = torch.rand(2, 3, 32, 32)
        with torch.no_grad():
            head_input, probe_input = model.eval().backbone_features(x)
        assert [f.shape[1] for f in probe_input] == probe.in_channels
        assert len(head_input) == 1 and head_input[0].shape[1] == 192
        types = [m['type'] for m in cfg.val_evaluator]
        assert types == ['RotationAccuracy', 'OnlineProbeAccuracy'], path
