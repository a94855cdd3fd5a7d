# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Fault injection through tools/train.py: bad images, a missing dataset,
kill -9 during training, a truncated latest checkpoint, a NaN loss."""
import glob
import os
import os.path as osp
import random
import shutil
import sys

import pytest

from mmselfsup_rot.datasets.miniature import make_imagenet
from tests.conftest import (MAIN_CFG, REPO, assert_same_weights,
                            checkpoint_weights, kill_when_logged, run_tool,
                            tiny_train_options)

pytestmark = pytest.mark.slow

TRAIN = [sys.executable, osp.join(REPO, 'tools', 'train.py'), MAIN_CFG]
# ResNet-18 keeps each run to seconds; the recipe is otherwise unchanged.
SMALL = ['model.backbone.depth=18', 'model.head.in_channels=512']


def _opts(root, **extra):
    opts = tiny_train_options(root, batch_size=2) + SMALL
    return opts + [f'{k}={v}' for k, v in extra.items()]


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return make_imagenet(
        str(tmp_path_factory.mktemp('imagenet')), train_per_class=4, size=32)


@pytest.fixture(scope='module')
def full_run(data, tmp_path_factory):
    """An uninterrupted 3-epoch run (4 iterations an epoch)."""
    work = tmp_path_factory.mktemp('full')
    run_tool(TRAIN + ['--work-dir', str(work), '--cfg-options'] +
             _opts(data, **{'train_cfg.max_epochs': 3}))
    return work


def test_bad_images_are_skipped_counted_and_limited(data, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(data, root)
    train = sorted(glob.glob(str(root / 'train' / '*' / '*')))
    with open(train[0], 'wb'):
        pass  # zero bytes
    with open(train[1], 'r+b') as f:
        f.truncate(100)
    opts = _opts(
        root, **{
            'train_cfg.max_epochs': 1,
            'train_dataloader.num_workers': 2
        })
    proc = run_tool(
        TRAIN +
        ['--work-dir', str(tmp_path / 'ok'), '--cfg-options'] + opts +
        ['custom_hooks.2.max_bad_fraction=0.25'])
    assert f'Unreadable image {train[0]}: empty file' in proc.stdout
    assert 'Epoch 1: skipped 2 bad image(s) of 8' in proc.stdout
    assert (tmp_path / 'ok' / 'epoch_1.pth').exists()

    # the default limit (1%) stops the run with the count and the files
    proc = run_tool(
        TRAIN +
        ['--work-dir', str(tmp_path / 'fail'), '--cfg-options'] + opts,
        check=False)
    assert proc.returncode != 0
    assert ('2 of 8 training images could not be used in epoch 1, more '
            'than max_bad_fraction=0.01') in proc.stdout
    assert train[0] in proc.stdout


def test_missing_data_root_fails_before_the_model_is_built(tmp_path):
    missing = tmp_path / 'nowhere'
    proc = run_tool(
        TRAIN + ['--work-dir', str(tmp_path), '--cfg-options'] +
        _opts(missing),
        check=False)
    assert proc.returncode == 1
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == ('Dataset error: train_dataloader.dataset.'
                         f'data_root: folder {missing} does not exist; set '
                         'it to the dataset folder (docs/dataset_prepare.md '
                         'gives each layout).')
    assert 'Traceback' not in proc.stdout
    assert not osp.exists(tmp_path / 'nowhere')


def test_sigkill_then_resume_matches_uninterrupted_run(data, full_run,
                                                       tmp_path):
    work = tmp_path / 'killed'
    # wait until epoch 2 trains (epoch 1 is checkpointed by then), then
    # kill at a random moment of the next iterations or of the epoch-2
    # checkpoint save
    kill_when_logged(
        TRAIN + ['--work-dir', str(work), '--cfg-options'] +
        _opts(data, **{'train_cfg.max_epochs': 3}),
        tmp_path / 'killed.log',
        r'Epoch\(train\) +\[2\]\[1/4\]',
        delay_s=random.Random(os.getpid()).uniform(0, 0.2))
    assert not (work / 'epoch_3.pth').exists()
    run_tool(
        TRAIN +
        ['--work-dir', str(work), '--resume', '--cfg-options'] +
        _opts(data, **{'train_cfg.max_epochs': 3}))
    assert_same_weights(
        checkpoint_weights(full_run / 'epoch_3.pth'),
        checkpoint_weights(work / 'epoch_3.pth'))


# tools/train.py in a process that dies (exit 137, as after SIGKILL) half
# way through writing the epoch-2 checkpoint file: fault injection at the
# one write that matters, so the test does not depend on timing.
DIE_IN_SAVE = """
import os, runpy, sys
from mmengine.fileio.backends import LocalBackend
put = LocalBackend.put
def put_then_die(self, obj, filepath):
    if 'epoch_2' in os.path.basename(str(filepath)):
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
        os._exit(137)
    return put(self, obj, filepath)
LocalBackend.put = put_then_die
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def test_kill_during_checkpoint_save_keeps_last_complete_one(
        data, full_run, tmp_path):
    from mmselfsup_rot.engine.hooks.atomic_checkpoint_hook import \
        is_complete_checkpoint
    work = tmp_path / 'mid_save'
    opts = _opts(data, **{'train_cfg.max_epochs': 3})
    proc = run_tool(
        [sys.executable, '-c', DIE_IN_SAVE] + TRAIN[1:] +
        ['--work-dir', str(work), '--cfg-options'] + opts,
        check=False)
    assert proc.returncode == 137, proc.stdout[-3000:]
    # the cut file is a hidden temporary; the record still names epoch 1
    assert not (work / 'epoch_2.pth').exists()
    partial = work / '.epoch_2.pth.tmp'
    assert partial.exists() and not is_complete_checkpoint(str(partial))
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')
    assert is_complete_checkpoint(str(work / 'epoch_1.pth'))
    run_tool(
        TRAIN +
        ['--work-dir', str(work), '--resume', '--cfg-options'] + opts)
    assert_same_weights(
        checkpoint_weights(full_run / 'epoch_3.pth'),
        checkpoint_weights(work / 'epoch_3.pth'))


def test_truncated_latest_checkpoint_is_not_resumed(data, full_run, tmp_path):
    """A latest checkpoint cut short (plain mmengine killed mid-save): the
    run resumes from the previous complete one, to the same weights."""
    work = tmp_path / 'cut'
    work.mkdir()
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        shutil.copy(full_run / name, work / name)
    with open(work / 'epoch_2.pth', 'r+b') as f:
        f.truncate(osp.getsize(work / 'epoch_2.pth') // 2)
    (work / 'last_checkpoint').write_text(str(work / 'epoch_2.pth'))
    proc = run_tool(
        TRAIN +
        ['--work-dir', str(work), '--resume', '--cfg-options'] +
        _opts(data, **{'train_cfg.max_epochs': 3}))
    assert f'resuming from {work / "epoch_1.pth"} instead' in proc.stdout
    assert_same_weights(
        checkpoint_weights(full_run / 'epoch_3.pth'),
        checkpoint_weights(work / 'epoch_3.pth'))


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(
        data, full_run, tmp_path):
    work = tmp_path / 'nan'
    work.mkdir()
    shutil.copy(full_run / 'epoch_1.pth', work / 'epoch_1.pth')
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    before = checkpoint_weights(work / 'epoch_1.pth')
    proc = run_tool(
        TRAIN +
        ['--work-dir', str(work), '--resume', '--cfg-options'] + _opts(
            data,
            **{
                'train_cfg.max_epochs': 3,
                # overflows float32: an infinite loss in epoch 2
                'model.head.loss.loss_weight': 1e39
            }),
        check=False)
    assert proc.returncode != 0
    assert 'NonFiniteLossError: Non-finite loss at iteration' in proc.stdout
    assert 'iteration 5 (epoch 2): loss=inf' in proc.stdout
    assert f'the last good checkpoint is {work / "epoch_1.pth"}' \
        in proc.stdout
    assert not (work / 'epoch_2.pth').exists()
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')
    assert_same_weights(before, checkpoint_weights(work / 'epoch_1.pth'))
