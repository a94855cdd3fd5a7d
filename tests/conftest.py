# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MAIN_CFG = osp.join(REPO, 'configs',
                    'rotation-pred_resnet50_8xb16-steplr-70e_in1k.py')

# Keep each test process to the machine's cores and quiet.
os.environ.setdefault('OMP_NUM_THREADS', '2')

# Test folders are packages (tests.test_x...), which keeps same-named test
# files apart; helper modules next to the tests stay importable by name.
for _dir, _subdirs, _files in os.walk(osp.dirname(osp.abspath(__file__))):
    _subdirs[:] = [d for d in _subdirs if d != '__pycache__']
    if _dir not in sys.path:
        sys.path.append(_dir)

# The suite's temporary folders (checkpoints of training tests) peaked at
# 3.0 GB on a full run; with less free disk, tests fail in their fixtures.
TEMP_DISK_NEEDED_GB = 4


def pytest_report_header(config):
    """Say up front when the temporary folder's disk is nearly full."""
    import shutil
    import tempfile

    free_gb = shutil.disk_usage(tempfile.gettempdir()).free / 2**30
    line = f'free disk for temporary folders: {free_gb:.1f} GB'
    if free_gb < TEMP_DISK_NEEDED_GB:
        line += (f' -- WARNING: the suite needs about {TEMP_DISK_NEEDED_GB} '
                 'GB; set TMPDIR to a larger disk')
    return line


def tool_env(extra=None):
    """The environment of a command of the project run by a test."""
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    # dist_train.sh calls `python`: make it this interpreter.
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env.update(extra or {})
    return env


def run_tool(args, cwd=REPO, env=None, timeout=900, check=True):
    """Run a command of the project (python tools/..., bash tools/...)."""
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=tool_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(map(str, args))} failed '
                             f'({proc.returncode}):\n{proc.stdout[-6000:]}')
    return proc


def kill_when_logged(args, log, pattern, delay_s=0.0, timeout_s=300):
    """Start a command of the project, SIGKILL it once ``pattern`` appears
    in its log (after ``delay_s`` more seconds), and check that it died of
    the signal rather than ending on its own."""
    import re
    import signal
    import time

    with open(log, 'w') as out:
        proc = subprocess.Popen(
            args,
            cwd=REPO,
            env=tool_env(dict(PYTHONUNBUFFERED='1')),
            stdout=out,
            stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + timeout_s
        while not re.search(pattern, log.read_text()):
            assert proc.poll() is None, 'ended before the kill:\n' + \
                log.read_text()[-3000:]
            assert time.time() < deadline
            time.sleep(0.01)
        time.sleep(delay_s)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, log.read_text()[-3000:]


def checkpoint_weights(path):
    """The ``state_dict`` of a checkpoint, loaded the project's safe way."""
    from mmselfsup_rot.utils.checkpoint import load_checkpoint_file
    return load_checkpoint_file(str(path))['state_dict']


def assert_same_weights(a, b):
    """Two state dicts hold the same keys and bit-identical tensors."""
    import torch
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.fixture(autouse=True)
def mmpretrain_default_scope():
    """Start every test in mmpretrain's scope.

    In-process mmdet/mmseg runners leave their own scope as the current
    one, which would make later tests (and session fixtures) look our
    modules up in mmdet's registries.
    """
    import uuid

    from mmengine.registry import DefaultScope

    def reset():
        DefaultScope.get_instance(
            f'test-{uuid.uuid4().hex}', scope_name='mmpretrain')

    reset()
    yield
    # also after the test, for session fixtures set up by the next one
    reset()
    forget_visualizers()


def forget_visualizers():
    """Drop mmengine's global visualizers once a test is over.

    A Runner names its visualizer after its start time, so two runners
    started in the same second share one, which keeps writing into the
    first test's work_dir, a folder pytest removes once that test passed.
    """
    from mmengine.visualization import Visualizer

    pending = [Visualizer]
    while pending:
        cls = pending.pop()
        cls._instance_dict.clear()
        pending.extend(cls.__subclasses__())


@pytest.fixture(scope='session')
def mini_imagenet(tmp_path_factory):
    """Two classes, 8 train / 4 val images of 40 px in ImageNet layout."""
    from mmselfsup_rot.datasets.miniature import make_imagenet
    root = tmp_path_factory.mktemp('imagenet')
    return make_imagenet(
        str(root), num_classes=2, train_per_class=4, val_per_class=2, size=40)


def voc_pixel_features(root: str, classes: list, images_per_split: int,
                       side: int, noise: float) -> dict:
    """Noisy pixels of a generated VOC2007 miniature, as SVM features.

    Returns:
        dict: Per split (``trainval``, ``test``): the flattened ``side`` px
        images in [0, 1] plus Gaussian noise of std ``noise`` (one seeded
        generator, trainval first) and mmpretrain's ``VOC`` dataset.
    """
    import numpy as np
    from mmpretrain.datasets import VOC
    from PIL import Image

    from mmselfsup_rot.datasets.miniature import make_voc
    devkit = make_voc(
        root,
        images_per_split=images_per_split,
        size=32,
        classes=classes,
        with_segmentation=False)
    rng = np.random.default_rng(0)
    out = {}
    for split in ('trainval', 'test'):
        data = VOC(
            data_root=osp.join(devkit, 'VOC2007'),
            split=split,
            pipeline=[],
            metainfo=dict(classes=classes))
        pixels = np.stack([
            np.asarray(
                Image.open(data.get_data_info(i)['img_path']).resize(
                    (side, side))).ravel() / 255. for i in range(len(data))
        ])
        out[split] = (pixels + rng.normal(0, noise, pixels.shape), data)
    return out


def tiny_train_options(data_root: str,
                       batch_size: int = 4,
                       size: int = 32) -> list:
    """--cfg-options turning the ImageNet recipe into a seconds-long run."""
    return [
        f'train_dataloader.dataset.data_root={data_root}',
        f'train_dataloader.batch_size={batch_size}',
        'train_dataloader.num_workers=0',
        f'train_dataloader.dataset.pipeline.1.scale={size}',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=1',
        'randomness.seed=0',
        'randomness.deterministic=True',
    ]


# The shared pretraining run of the model-zoo and visualization tests.
from tests.zoo_runs import zoo_runs  # noqa: E402,F401
