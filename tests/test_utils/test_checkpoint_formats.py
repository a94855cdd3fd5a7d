# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Checkpoint formats are recognised from their keys and converted in
memory; a file of none of them fails in one line naming the accepted
ones."""
import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.utils import checkpoint_formats as formats
from mmselfsup_rot.utils.checkpoint import CheckpointError
from tests.source_networks import (OfficialAlexNet, OfficialNIN,
                                   mmselfsup1x_model, randomise_bn,
                                   save_mmselfsup1x_checkpoint)


def _build(cfg):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg)
    model.eval()  # mmpretrain's ResNet.train() returns None
    return model


def _official_nin():
    return randomise_bn(OfficialNIN(num_stages=4))


def test_recognises_each_format():
    recognise = formats.recognise_checkpoint
    r18 = _build(dict(type='ResNet', depth=18)).state_dict()
    ours = {f'backbone.{k}': v for k, v in r18.items()}
    ours['head.fc.weight'] = torch.zeros(4, 512)
    ddp = {f'module.{k}': v for k, v in ours.items()}
    assert recognise({'state_dict': ours}) == formats.ROTATION_PRED
    assert recognise({'state_dict': ddp}) == formats.ROTATION_PRED
    assert recognise({'state_dict': r18}) == formats.BACKBONE_ONLY
    assert recognise(dict(r18)) == formats.BACKBONE_ONLY
    onex = {'state_dict': mmselfsup1x_model(18).state_dict()}
    assert recognise(onex) == formats.MMSELFSUP_1X
    official = {'epoch': 200, 'network': _official_nin().state_dict()}
    assert recognise(official) == formats.ROTNET_OFFICIAL


@pytest.mark.parametrize(
    'checkpoint, found', [
        ({
            'optimizer': {
                'lr': 0.1
            }
        }, r"no weights \(top-level keys \['optimizer'\]\)"),
        ({
            'state_dict': {}
        }, 'weights are empty'),
        ({
            'network': {
                'features.0.weight': torch.zeros(1)
            }
        }, r'"network" entry but no _feature_blocks'),
        ({
            'state_dict': {
                'head.fc.weight': torch.zeros(4, 2)
            }
        }, 'model weights but none under "backbone."'),
        ({
            '_feature_blocks.0.weight': torch.zeros(1)
        }, 'outside a "network" entry'),
    ],
    ids=['no-weights', 'empty', 'foreign-network', 'headless', 'bare-rotnet'])
def test_other_files_fail_in_one_line_naming_the_formats(checkpoint, found):
    with pytest.raises(CheckpointError) as err:
        formats.to_rotation_pred(checkpoint, 'x.pth')
    msg = str(err.value)
    assert '\n' not in msg
    assert msg.startswith('x.pth is not a checkpoint format this project '
                          'reads: ')
    for accepted in ('RotationPred checkpoints', 'backbone-only weights',
                     'mmselfsup 1.x rotation-pred', 'official RotNet'):
        assert accepted in msg
    assert pytest.importorskip('re').search(found, msg), msg


def test_mmselfsup1x_classifier_is_put_in_counter_clockwise_order():
    source = mmselfsup1x_model(18)
    fmt, state = formats.to_rotation_pred({'state_dict': source.state_dict()})
    assert fmt == formats.MMSELFSUP_1X
    weight = source.head.fc_cls.weight
    assert torch.equal(state['head.fc.weight'], weight[[0, 3, 2, 1]])
    assert torch.equal(state['backbone.conv1.weight'],
                       source.backbone.conv1.weight)


@pytest.mark.parametrize('arch', ['nin', 'alexnet'])
def test_official_rotnet_backbone_loads_into_ours(tmp_path, arch):
    if arch == 'nin':
        source = _official_nin()
        backbone = _build(dict(type='NIN', num_stages=4))
        x = torch.randn(2, 3, 32, 32)
        # the official NIN's last block before pooling: its 4th stage
        with torch.no_grad():
            expected = x
            for block in source._feature_blocks[:4]:
                expected = block(expected)
    else:
        source = randomise_bn(OfficialAlexNet())
        backbone = _build(dict(type='RotNetAlexNet', with_fc=True))
        x = torch.randn(2, 3, 224, 224)
        with torch.no_grad():
            expected = x
            for block in source._feature_blocks[:9]:
                expected = block(expected)
    path = str(tmp_path / 'model_net_epoch200')
    torch.save({'epoch': 200, 'network': source.state_dict()}, path)
    state = formats.load_pretrained_backbone(path)
    backbone.load_state_dict(state, strict=True)
    with torch.no_grad():
        out = backbone(x)
    out = out[-1] if isinstance(out, (tuple, list)) else out
    torch.testing.assert_close(
        out.flatten(1), expected.flatten(1), atol=1e-5, rtol=1e-5)


def test_logs_one_line_naming_the_format(tmp_path, capsys):
    path = save_mmselfsup1x_checkpoint(
        mmselfsup1x_model(18), str(tmp_path / 'rot_1x.pth'))
    MMLogger.get_instance('test_checkpoint_formats')
    state = formats.load_pretrained_backbone(path)
    assert 'conv1.weight' in state and not any(
        k.startswith('head') for k in state)
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if 'recognised format' in ln]
    assert len(lines) == 1, out
    assert lines[0].endswith(
        f'{path}: recognised format: mmselfsup 1.x rotation-pred '
        f'checkpoint; {len(state)} backbone tensors (backbone keys '
        'unchanged).')
