# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: the published ResNet-50 recipe through tools/ on a miniature
ImageNet (32 px, a few iterations)."""
import ast
import os.path as osp

import pytest
import torch

from mmselfsup_rot.utils.launch import free_port
from tests.conftest import (MAIN_CFG, REPO, assert_same_weights,
                            checkpoint_weights, run_tool, tiny_train_options)

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def trained(mini_imagenet, tmp_path_factory):
    """One epoch of the recipe through tools/train.py."""
    work = tmp_path_factory.mktemp('train')
    run_tool([
        'python',
        osp.join(REPO, 'tools', 'train.py'), MAIN_CFG, '--work-dir',
        str(work), '--cfg-options'
    ] + tiny_train_options(mini_imagenet) + ['train_cfg.max_epochs=1'])
    return work / 'epoch_1.pth'


def test_train_writes_checkpoint(trained):
    assert trained.exists()
    state = checkpoint_weights(trained)
    assert 'backbone.conv1.weight' in state
    assert state['head.fc.weight'].shape == (4, 2048)


def _test_options(data_root):
    return [
        f'test_dataloader.dataset.data_root={data_root}',
        'test_dataloader.num_workers=0', 'test_dataloader.batch_size=2',
        'test_dataloader.dataset.pipeline.1.scale=40',
        'test_dataloader.dataset.pipeline.2.crop_size=32'
    ]


def test_test_tools_report_rotation_accuracy(trained, mini_imagenet, tmp_path):
    """tools/test.py and tools/dist_test.sh (2 processes) evaluate the
    rotation task on the val split: 4 images x 4 rotations."""
    single = run_tool([
        'python',
        osp.join(REPO, 'tools', 'test.py'), MAIN_CFG,
        str(trained), '--work-dir',
        str(tmp_path / 'one'), '--cfg-options'
    ] + _test_options(mini_imagenet))
    dist = run_tool(
        [
            'bash',
            osp.join(REPO, 'tools', 'dist_test.sh'), MAIN_CFG,
            str(trained), '2', '--work-dir',
            str(tmp_path / 'two'), '--cfg-options'
        ] + _test_options(mini_imagenet),
        env=dict(PORT=str(free_port())))
    results = []
    for proc in (single, dist):
        # the metrics dict, printed once (by rank 0 only when distributed)
        printed = [
            line for line in proc.stdout.splitlines()
            if line.startswith("{'rotation/")
        ]
        assert len(printed) == 1, printed
        last = printed[0]
        metrics = ast.literal_eval(last)
        assert metrics.keys() == {
            'rotation/accuracy', 'rotation/accuracy_0deg',
            'rotation/accuracy_90deg', 'rotation/accuracy_180deg',
            'rotation/accuracy_270deg'
        }, last
        assert 0 <= metrics['rotation/accuracy'] <= 100
        results.append(metrics)
    assert 'gloo backend with 2 CPU processes' in dist.stdout
    # the same 16 predictions, split over two ranks or not
    assert results[0] == pytest.approx(results[1])


def test_test_tool_refuses_foreign_checkpoint(mini_imagenet, tmp_path):
    from mmpretrain.models.backbones import ResNet
    foreign = tmp_path / 'resnet18.pth'
    torch.save({'state_dict': ResNet(18).state_dict()}, foreign)
    proc = run_tool(
        [
            'python',
            osp.join(REPO, 'tools', 'test.py'), MAIN_CFG,
            str(foreign), '--work-dir',
            str(tmp_path), '--cfg-options'
        ] + _test_options(mini_imagenet),
        check=False)
    assert proc.returncode == 1
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(f'error: {foreign} does not fit the model'), last
    assert 'Traceback' not in proc.stdout


def test_resume_matches_uninterrupted_run(mini_imagenet, tmp_path):
    base = ['python', osp.join(REPO, 'tools', 'train.py'), MAIN_CFG]
    opts = tiny_train_options(mini_imagenet)
    full, part = tmp_path / 'full', tmp_path / 'part'
    run_tool(base + ['--work-dir', str(full), '--cfg-options'] + opts +
             ['train_cfg.max_epochs=2'])
    run_tool(base + ['--work-dir', str(part), '--cfg-options'] + opts +
             ['train_cfg.max_epochs=1'])
    assert not (part / 'epoch_2.pth').exists()
    run_tool(
        base +
        ['--work-dir', str(part), '--resume', '--cfg-options'] + opts +
        ['train_cfg.max_epochs=2'])
    assert_same_weights(
        checkpoint_weights(full / 'epoch_2.pth'),
        checkpoint_weights(part / 'epoch_2.pth'))


def test_dist_train_two_cpu_processes(mini_imagenet, tmp_path):
    work = tmp_path / 'dist'
    proc = run_tool(
        [
            'bash',
            osp.join(REPO, 'tools', 'dist_train.sh'), MAIN_CFG, '2',
            '--work-dir',
            str(work), '--cfg-options'
        ] + tiny_train_options(mini_imagenet, batch_size=2) +
        ['train_cfg.max_epochs=1'],
        env=dict(PORT=str(free_port())))
    assert 'gloo backend with 2 CPU processes' in proc.stdout
    assert (work / 'epoch_1.pth').exists()
    # two ranks x 2 images = 4 per step, 8 images -> 2 iterations
    assert 'Epoch(train) [1][2/2]' in proc.stdout
