# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: the published ResNet-50 recipe through tools/ on a miniature
ImageNet (32 px, a few iterations)."""
import os.path as osp

import pytest
import torch

from tests.conftest import MAIN_CFG, REPO, run_tool, tiny_train_options

pytestmark = pytest.mark.slow


def _weights(path):
    return torch.load(path, map_location='cpu')['state_dict']


def _assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_train_writes_checkpoint(mini_imagenet, tmp_path):
    work = tmp_path / 'train'
    run_tool([
        'python',
        osp.join(REPO, 'tools', 'train.py'), MAIN_CFG, '--work-dir',
        str(work), '--cfg-options'
    ] + tiny_train_options(mini_imagenet) + ['train_cfg.max_epochs=1'])
    ckpt = work / 'epoch_1.pth'
    assert ckpt.exists()
    state = _weights(ckpt)
    assert 'backbone.conv1.weight' in state
    assert state['head.fc.weight'].shape == (4, 2048)


def test_resume_matches_uninterrupted_run(mini_imagenet, tmp_path):
    base = ['python', osp.join(REPO, 'tools', 'train.py'), MAIN_CFG]
    opts = tiny_train_options(mini_imagenet)
    full, part = tmp_path / 'full', tmp_path / 'part'
    run_tool(base + ['--work-dir', str(full), '--cfg-options'] + opts +
             ['train_cfg.max_epochs=2'])
    run_tool(base + ['--work-dir', str(part), '--cfg-options'] + opts +
             ['train_cfg.max_epochs=1'])
    assert not (part / 'epoch_2.pth').exists()
    run_tool(base + ['--work-dir', str(part), '--resume', '--cfg-options'] +
             opts + ['train_cfg.max_epochs=2'])
    _assert_same_weights(
        _weights(full / 'epoch_2.pth'), _weights(part / 'epoch_2.pth'))


def test_dist_train_two_cpu_processes(mini_imagenet, tmp_path):
    work = tmp_path / 'dist'
    proc = run_tool(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), MAIN_CFG, '2',
         '--work-dir', str(work), '--cfg-options'] +
        tiny_train_options(mini_imagenet, batch_size=2) +
        ['train_cfg.max_epochs=1'],
        env=dict(PORT='29511'))
    assert 'gloo backend with 2 CPU processes' in proc.stdout
    assert (work / 'epoch_1.pth').exists()
    # two ranks x 2 images = 4 per step, 8 images -> 2 iterations
    assert 'Epoch(train) [1][2/2]' in proc.stdout
