# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""tools/model_converters/export_torchvision.py: the exported ResNet loads
into torchvision's (strict, once its classifier is removed) and computes
the same stage-4 features as this project's backbone."""
import os.path as osp

import pytest
import torch
import torchvision
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.model_zoo.torchvision_export import (export_torchvision,
                                                        resnet_depth)
from mmselfsup_rot.utils.checkpoint import CheckpointError
from tests.conftest import REPO, run_tool
from tests.source_networks import (OfficialNIN, mmselfsup1x_model,
                                   randomise_bn, run_tool_main,
                                   save_mmselfsup1x_checkpoint)

TOOL = osp.join('tools', 'model_converters', 'export_torchvision.py')


def _rotation_pred(depth):
    torch.manual_seed(depth)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='RotationPred',
                backbone=dict(type='ResNet', depth=depth, out_indices=[3]),
                head=dict(
                    type='RotationHead',
                    in_channels=512 if depth < 50 else 2048)))
    return randomise_bn(model)


def _trunk(model):
    """torchvision's ResNet up to stage 4 (no pooling, no classifier)."""
    return torch.nn.Sequential(*list(model.children())[:-2]).eval()


def _assert_same_stage4(backbone, tv_model, size=64):
    x = torch.randn(2, 3, size, size)
    backbone.eval()  # mmpretrain's ResNet.train() returns None
    with torch.no_grad():
        ours = backbone(x)[-1]
        theirs = _trunk(tv_model)(x)
    assert ours.shape == theirs.shape
    assert (ours - theirs).abs().max().item() <= 1e-5


@pytest.mark.parametrize('depth', [18, 50])
def test_export_loads_strictly_and_matches_stage4(tmp_path, monkeypatch,
                                                  capsys, depth):
    model = _rotation_pred(depth)
    src, dst = tmp_path / 'epoch_70.pth', tmp_path / f'r{depth}_tv.pth'
    torch.save({'state_dict': model.state_dict()}, src)
    run_tool_main(TOOL, monkeypatch, src, dst)
    out = capsys.readouterr().out
    assert f'torchvision resnet{depth}' in out
    assert 'left out (not pretrained): fc.weight, fc.bias' in out
    state = torch.load(dst, weights_only=True)
    # what a user does in plain PyTorch (docs/migration.md)
    tv_model = getattr(torchvision.models, f'resnet{depth}')()
    result = tv_model.load_state_dict(state, strict=False)
    assert sorted(result.missing_keys) == ['fc.bias', 'fc.weight']
    assert result.unexpected_keys == []
    stripped = getattr(torchvision.models, f'resnet{depth}')()
    stripped.fc = torch.nn.Identity()
    stripped.load_state_dict(state, strict=True)
    _assert_same_stage4(model.backbone, tv_model)
    _assert_same_stage4(model.backbone, stripped)


def test_export_takes_mmselfsup1x_checkpoints(tmp_path):
    source = mmselfsup1x_model(depth=18)
    src = save_mmselfsup1x_checkpoint(source, str(tmp_path / 'rot_1x.pth'))
    report = export_torchvision(src, str(tmp_path / 'r18.pth'))
    assert report['depth'] == 18
    tv_model = torchvision.models.resnet18()
    tv_model.fc = torch.nn.Identity()
    tv_model.load_state_dict(torch.load(tmp_path / 'r18.pth'), strict=True)
    _assert_same_stage4(source.backbone, tv_model)


def test_other_backbones_are_refused_in_one_line(tmp_path):
    official = tmp_path / 'model_net_epoch200'
    torch.save(
        {
            'epoch': 200,
            'network': randomise_bn(OfficialNIN()).state_dict()
        }, official)
    proc = run_tool([
        'python',
        osp.join(REPO, TOOL),
        str(official),
        str(tmp_path / 'x.pth')
    ],
                    check=False)
    assert proc.returncode != 0 and 'Traceback' not in proc.stdout
    errors = [ln for ln in proc.stdout.splitlines() if ln.startswith('error')]
    assert errors == [
        'error: Not a torchvision-layout ResNet backbone (conv1, '
        "layer1..4): found keys with prefixes ['blocks']."
    ], proc.stdout
    assert not (tmp_path / 'x.pth').exists()
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        deep = MODELS.build(dict(type='ResNet', depth=18, deep_stem=True))
        avg = MODELS.build(dict(type='ResNet', depth=50, avg_down=True))
        r18 = MODELS.build(dict(type='ResNet', depth=18))
    short = {
        k: v
        for k, v in r18.state_dict().items() if not k.startswith('layer4.1.')
    }
    with pytest.raises(CheckpointError, match='deep-stem'):
        resnet_depth(deep.state_dict())
    with pytest.raises(CheckpointError, match='avg_down'):
        resnet_depth(avg.state_dict())
    with pytest.raises(CheckpointError, match=r'\[2, 2, 2, 1\] basic blocks'):
        resnet_depth(short)
