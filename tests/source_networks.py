# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Re-creations of the networks whose checkpoints the project reads: the
official RotNet NIN and BN AlexNet (gidariss/FeatureLearningRotNet, saved
as ``{'epoch': E, 'network': state_dict}``) and mmselfsup 1.x's
rotation-pred (mmpretrain's ResNet + ``ClsHead`` with ``fc_cls``, clockwise
labels); and a way to run a tool's ``main`` in the test process."""
import importlib.util
import os.path as osp
import sys

import torch
import torch.nn as nn
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

from tests.conftest import REPO


def load_tool(path):
    """The module of a script under tools/ (``path`` relative to REPO)."""
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f'tool_{name}',
                                                  osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool_main(path, monkeypatch, *args):
    """Run a tool's ``main()`` with ``args`` as its command line."""
    monkeypatch.setattr(sys, 'argv', [path] + [str(a) for a in args])
    load_tool(path).main()


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


def official_conv(cin, cout, k, s=1, p=0):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=s, padding=p), nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True))


class OfficialAlexNet(nn.Module):

    def __init__(self, num_classes=4):
        super().__init__()
        self._feature_blocks = nn.ModuleList([
            official_conv(3, 64, 11, 4, 2),
            nn.MaxPool2d(3, 2),
            official_conv(64, 192, 5, 1, 2),
            nn.MaxPool2d(3, 2),
            official_conv(192, 384, 3, 1, 1),
            official_conv(384, 256, 3, 1, 1),
            official_conv(256, 256, 3, 1, 1),
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


def randomise_bn(model):
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


class MMSelfSup1xHead(nn.Module):
    """mmselfsup 1.x ``ClsHead(with_avg_pool=True)``: ``fc_cls``."""

    def __init__(self, in_channels, num_classes=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def forward(self, feats):
        return self.fc_cls(self.avg_pool(feats[-1]).flatten(1))


def mmselfsup1x_model(depth=18):
    """An mmselfsup 1.x rotation-pred network (backbone + ``ClsHead``) with
    random weights and BN statistics, in eval mode."""
    source = nn.Module()
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        source.backbone = MODELS.build(
            dict(type='ResNet', depth=depth, out_indices=[3]))
    source.head = MMSelfSup1xHead(512 if depth < 50 else 2048)
    return randomise_bn(source)


def save_mmselfsup1x_checkpoint(model, path):
    """Save ``model`` as mmselfsup 1.x's runner saves it."""
    torch.save(
        {
            'meta': {
                'mmselfsup_version': '1.0.0'
            },
            'state_dict': model.state_dict()
        }, path)
    return path
