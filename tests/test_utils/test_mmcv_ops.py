# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""A transfer run without compiled mmcv ops stops with one line."""
import importlib.util
import os.path as osp

import pytest

from mmselfsup_rot.utils import mmcv_ops
from tests.conftest import REPO, run_tool
from tests.test_utils.lite_mmcv import lite_mmcv_env

DET_CFG = osp.join(REPO, 'benchmarks', 'mmdetection', 'voc07',
                   'faster-rcnn_alexnet-bn-conv5_8xb2-12k_voc07.py')


def test_require_compiled_ops(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *a: None
        if name == 'mmcv._ext' else real(name, *a))
    assert not mmcv_ops.has_compiled_ops()
    with pytest.raises(mmcv_ops.MissingCompiledOpsError, match='env-full'):
        mmcv_ops.require_compiled_ops('mmdet')


def test_transfer_launcher_without_ops(tmp_path):
    proc = run_tool([
        'python',
        osp.join(REPO, 'tools', 'benchmarks', 'train_transfer.py'), DET_CFG,
        'none', '--work-dir',
        str(tmp_path / 'work')
    ],
                    env=lite_mmcv_env(tmp_path, REPO),
                    timeout=300,
                    check=False)
    assert proc.returncode != 0
    last = proc.stdout.strip().splitlines()[-1]
    assert last == ('error: mmcv was installed without compiled ops (mmdet '
                    'needs mmcv.ops); run `make env-full` '
                    '(tools/bootstrap.sh --with-ops)'), proc.stdout[-2000:]
    assert 'Traceback' not in proc.stdout
