# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The checkpoint converters against re-creations of the source networks:
gidariss/FeatureLearningRotNet's NIN and BN AlexNet, and mmselfsup 1.x's
rotation-pred (ResNet + ClsHead with ``fc_cls``, clockwise labels)."""
import importlib.util
import os.path as osp
import sys
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.utils.checkpoint import CheckpointError
from tests.conftest import REPO

TOOLS = osp.join(REPO, 'tools', 'model_converters')


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        f'converter_{name}', osp.join(TOOLS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name, monkeypatch, *args):
    monkeypatch.setattr(sys, 'argv', [f'{name}.py'] + [str(a) for a in args])
    _tool(name).main()


# --- the official RotNet modules, as in FeatureLearningRotNet ---------------
class OfficialBasicBlock(nn.Module):

    def __init__(self, in_planes, out_planes, kernel_size):
        super().__init__()
        self.layers = nn.Sequential()
        self.layers.add_module(
            'Conv',
            nn.Conv2d(
                in_planes,
                out_planes,
                kernel_size,
                padding=(kernel_size - 1) // 2,
                bias=False))
        self.layers.add_module('BatchNorm', nn.BatchNorm2d(out_planes))
        self.layers.add_module('ReLU', nn.ReLU(inplace=True))

    def forward(self, x):
        return self.layers(x)


class OfficialGlobalAveragePooling(nn.Module):

    def forward(self, x):
        return x.mean(dim=(2, 3))


class OfficialNIN(nn.Module):

    def __init__(self, num_classes=4, num_stages=4):
        super().__init__()
        blocks = [nn.Sequential() for _ in range(num_stages)]
        blocks[0].add_module('Block1_ConvB1', OfficialBasicBlock(3, 192, 5))
        blocks[0].add_module('Block1_ConvB2', OfficialBasicBlock(192, 160, 1))
        blocks[0].add_module('Block1_ConvB3', OfficialBasicBlock(160, 96, 1))
        blocks[0].add_module('Block1_MaxPool', nn.MaxPool2d(3, 2, 1))
        blocks[1].add_module('Block2_ConvB1', OfficialBasicBlock(96, 192, 5))
        blocks[1].add_module('Block2_ConvB2', OfficialBasicBlock(192, 192, 1))
        blocks[1].add_module('Block2_ConvB3', OfficialBasicBlock(192, 192, 1))
        blocks[1].add_module('Block2_AvgPool', nn.AvgPool2d(3, 2, 1))
        for s in range(2, num_stages):
            blocks[s].add_module(f'Block{s + 1}_ConvB1',
                                 OfficialBasicBlock(192, 192, 3))
            blocks[s].add_module(f'Block{s + 1}_ConvB2',
                                 OfficialBasicBlock(192, 192, 1))
            blocks[s].add_module(f'Block{s + 1}_ConvB3',
                                 OfficialBasicBlock(192, 192, 1))
        blocks.append(nn.Sequential())
        blocks[-1].add_module('GlobalAveragePooling',
                              OfficialGlobalAveragePooling())
        blocks[-1].add_module('Classifier', nn.Linear(192, num_classes))
        self._feature_blocks = nn.ModuleList(blocks)

    def forward(self, x):
        for block in self._feature_blocks:
            x = block(x)
        return x


class OfficialFlatten(nn.Module):

    def forward(self, x):
        return x.view(x.size(0), -1)


def _official_conv(cin, cout, k, s=1, p=0):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=s, padding=p), nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True))


class OfficialAlexNet(nn.Module):

    def __init__(self, num_classes=4):
        super().__init__()
        self._feature_blocks = nn.ModuleList([
            _official_conv(3, 64, 11, 4, 2),
            nn.MaxPool2d(3, 2),
            _official_conv(64, 192, 5, 1, 2),
            nn.MaxPool2d(3, 2),
            _official_conv(192, 384, 3, 1, 1),
            _official_conv(384, 256, 3, 1, 1),
            _official_conv(256, 256, 3, 1, 1),
            nn.MaxPool2d(3, 2),
            nn.Sequential(OfficialFlatten(), nn.Linear(9216, 4096, bias=False),
                          nn.BatchNorm1d(4096), nn.ReLU(inplace=True),
                          nn.Linear(4096, 4096, bias=False),
                          nn.BatchNorm1d(4096), nn.ReLU(inplace=True)),
            nn.Sequential(nn.Linear(4096, num_classes)),
        ])

    def forward(self, x):
        for block in self._feature_blocks:
            x = block(x)
        return x


def _randomise_bn(model):
    """Non-trivial BN statistics so that a wrong mapping shows."""
    gen = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen))
            m.running_var.copy_(
                torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.randn(m.num_features, generator=gen))
            m.bias.data.copy_(torch.randn(m.num_features, generator=gen))
    return model.eval()


def _build(config):
    model = MODELS.build(
        Config.fromfile(osp.join(REPO, 'configs', config)).model)
    return model.eval()


def _logits(model, x):
    with torch.no_grad():
        return model.head(model.backbone(x))


@pytest.mark.parametrize('num_stages', [3, 4])
def test_official_nin(tmp_path, monkeypatch, num_stages):
    source = _randomise_bn(OfficialNIN(num_stages=num_stages))
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
    source = _randomise_bn(OfficialAlexNet())
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
    convert = _tool('rotnet_official_to_mmselfsup_rot').convert
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


class MMSelfSup1xHead(nn.Module):
    """mmselfsup 1.x ``ClsHead(with_avg_pool=True)``: ``fc_cls``."""

    def __init__(self, in_channels, num_classes=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def forward(self, feats):
        return self.fc_cls(self.avg_pool(feats[-1]).flatten(1))


def _mmselfsup1x_checkpoint(tmp_path):
    source = nn.Module()
    source.backbone = MODELS.build(
        dict(type='ResNet', depth=18, out_indices=[3]))
    source.head = MMSelfSup1xHead(512)
    _randomise_bn(source)
    path = tmp_path / 'rotation-pred_1x.pth'
    torch.save(
        {
            'meta': {
                'mmselfsup_version': '1.0.0'
            },
            'state_dict': source.state_dict()
        }, path)
    return source, path


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
    convert = _tool('mmselfsup1x_to_mmselfsup_rot').convert
    with pytest.raises(CheckpointError, match='official RotNet'):
        convert({'epoch': 1, 'network': {'a': torch.zeros(1)}})
    with pytest.raises(CheckpointError, match='already in mmselfsup_rot'):
        convert({'state_dict': {'head.fc.weight': torch.zeros(4, 2)}})
    with pytest.raises(CheckpointError, match='head.fc_cls.weight'):
        convert({'state_dict': {'backbone.w': torch.zeros(1)}})
    with pytest.raises(CheckpointError, match='10 outputs'):
        convert({'state_dict': {'head.fc_cls.weight': torch.zeros(10, 2)}})


def test_extract_backbone_weights(tmp_path, monkeypatch):
    model = _randomise_bn(
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
