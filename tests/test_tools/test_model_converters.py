# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The checkpoint converters against re-creations of the source networks:
gidariss/FeatureLearningRotNet's NIN and BN AlexNet, and mmselfsup 1.x's
rotation-pred (ResNet + ClsHead with ``fc_cls``, clockwise labels)."""
import os.path as osp
from collections import OrderedDict

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.utils.checkpoint import CheckpointError
from mmselfsup_rot.utils.checkpoint_formats import (convert_mmselfsup1x,
                                                    convert_rotnet_official)
from tests.conftest import REPO
from tests.source_networks import (OfficialAlexNet, OfficialNIN, load_tool,
                                   mmselfsup1x_model, randomise_bn,
                                   run_tool_main, save_mmselfsup1x_checkpoint)

TOOLS = osp.join('tools', 'model_converters')


def _tool(name):
    return load_tool(osp.join(TOOLS, f'{name}.py'))


def _run(name, monkeypatch, *args):
    run_tool_main(osp.join(TOOLS, f'{name}.py'), monkeypatch, *args)


def _build(config):
    """The config's model without its online probe, whose weights no
    pretrained checkpoint holds (a run loads them or starts them afresh)."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', config)).model
    cfg.pop('online_probe', None)
    return MODELS.build(cfg).eval()


def _logits(model, x):
    with torch.no_grad():
        return model.head(model.backbone(x))


@pytest.mark.parametrize('num_stages', [3, 4])
def test_official_nin(tmp_path, monkeypatch, num_stages):
    source = randomise_bn(OfficialNIN(num_stages=num_stages))
    src, dst = tmp_path / 'model_net_epoch200', tmp_path / 'converted.pth'
    torch.save({'epoch': 200, 'network': source.state_dict()}, src)
    _run('rotnet_official_to_mmselfsup_rot', monkeypatch, src, dst)
    target = _build(
        f'rotation-pred_nin-{num_stages}b_1xb128-steplr-200e_cifar10.py')
    ckpt = torch.load(dst, map_location='cpu')
    target.load_state_dict(ckpt['state_dict'], strict=True)
    assert ckpt['meta']['num_stages'] == num_stages
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = source(x)
    torch.testing.assert_close(
        _logits(target, x), expected, atol=1e-5, rtol=1e-5)


def test_official_alexnet(tmp_path, monkeypatch):
    source = randomise_bn(OfficialAlexNet())
    src, dst = tmp_path / 'model_net_epoch50', tmp_path / 'converted.pth'
    torch.save({'epoch': 50, 'network': source.state_dict()}, src)
    _run('rotnet_official_to_mmselfsup_rot', monkeypatch, src, dst)
    target = _build('rotation-pred_alexnet-bn_1xb192-steplr-50e_in1k.py')
    target.load_state_dict(
        torch.load(dst, map_location='cpu')['state_dict'], strict=True)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        expected = source(x)
    torch.testing.assert_close(
        _logits(target, x), expected, atol=1e-5, rtol=1e-5)


def test_official_converter_names_wrong_kinds(tmp_path, monkeypatch):
    convert = convert_rotnet_official
    with pytest.raises(CheckpointError, match='found keys'):
        convert({'state_dict': {'backbone.x': torch.zeros(1)}})
    with pytest.raises(CheckpointError, match='OpenMMLab model checkpoint'):
        convert({'network': {'backbone.conv.weight': torch.zeros(1)}})
    with pytest.raises(CheckpointError, match='another architecture'):
        convert({
            'network': {
                '_feature_blocks.0.0.weight': torch.zeros(8, 3, 3, 3)
            }
        })


def _mmselfsup1x_checkpoint(tmp_path):
    source = mmselfsup1x_model(depth=18)
    return source, save_mmselfsup1x_checkpoint(
        source, tmp_path / 'rotation-pred_1x.pth')


@pytest.mark.parametrize('keep_clockwise', [False, True])
def test_mmselfsup1x(tmp_path, monkeypatch, keep_clockwise):
    source, src = _mmselfsup1x_checkpoint(tmp_path)
    dst = tmp_path / 'converted.pth'
    _run('mmselfsup1x_to_mmselfsup_rot', monkeypatch, src, dst,
         *(['--keep-clockwise'] if keep_clockwise else []))
    target = MODELS.build(
        dict(
            type='RotationPred',
            backbone=dict(type='ResNet', depth=18, out_indices=[3]),
            head=dict(type='RotationHead', in_channels=512))).eval()
    target.load_state_dict(
        torch.load(dst, map_location='cpu')['state_dict'], strict=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = source.head(source.backbone(x))
    # 1.x label 1 is 90 degrees clockwise = our label 3, and vice versa
    order = [0, 1, 2, 3] if keep_clockwise else [0, 3, 2, 1]
    torch.testing.assert_close(
        _logits(target, x), expected[:, order], atol=1e-5, rtol=1e-5)


def test_mmselfsup1x_converter_names_wrong_kinds():
    convert = convert_mmselfsup1x
    with pytest.raises(CheckpointError, match='official RotNet'):
        convert({'epoch': 1, 'network': {'a': torch.zeros(1)}})
    with pytest.raises(CheckpointError, match='already in mmselfsup_rot'):
        convert({'state_dict': {'head.fc.weight': torch.zeros(4, 2)}})
    with pytest.raises(CheckpointError, match='head.fc_cls.weight'):
        convert({'state_dict': {'backbone.w': torch.zeros(1)}})
    with pytest.raises(CheckpointError, match='10 outputs'):
        convert({'state_dict': {'head.fc_cls.weight': torch.zeros(10, 2)}})


def test_extract_backbone_weights(tmp_path, monkeypatch):
    model = randomise_bn(
        _build('rotation-pred_nin-4b_1xb128-steplr-200e_cifar10.py'))
    src, dst = tmp_path / 'epoch_200.pth', tmp_path / 'backbone.pth'
    torch.save({'meta': {'epoch': 200}, 'state_dict': model.state_dict()}, src)
    _run('extract_backbone_weights', monkeypatch, src, dst)
    saved = torch.load(dst, map_location='cpu')
    assert not any(
        k.startswith(('backbone.', 'head.')) for k in saved['state_dict'])
    # loads without a prefix, as downstream configs do
    backbone = MODELS.build(
        dict(
            type='NIN',
            num_stages=4,
            init_cfg=dict(type='Pretrained', checkpoint=str(dst))))
    backbone.init_weights()
    backbone.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(backbone(x), model.backbone(x))


def test_extract_names_wrong_kinds(tmp_path):
    extract = _tool('extract_backbone_weights').extract
    with pytest.raises(CheckpointError, match='official RotNet'):
        extract({'network': OrderedDict(w=torch.zeros(1))})
    with pytest.raises(CheckpointError, match='already backbone-only'):
        extract({'state_dict': {'blocks.0.0.conv.weight': torch.zeros(1)}})
    with pytest.raises(CheckpointError, match=r"\['head'\]"):
        extract({'state_dict': {'head.fc.weight': torch.zeros(1)}})
