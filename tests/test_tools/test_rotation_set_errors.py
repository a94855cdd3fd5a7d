# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""A config that states two different rotation sets stops tools/train.py
and tools/test.py with one line, before any data or model is built."""
import os.path as osp

import pytest

from tests.conftest import REPO, run_tool

CFG = osp.join(
    REPO, 'configs',
    'rotation-pred_nin-4b-2rot-0-180_1xb128-steplr-200e_cifar10.py')
LINE = ('error: rotation set mismatch: model angles (0, 180) vs '
        'val_evaluator.0 (RotationAccuracy) angles (0, 90, 180, 270); state '
        'the set once in model.angles')


@pytest.mark.parametrize('tool, args', [
    ('train.py', []),
    ('test.py', ['missing.pth']),
])
def test_two_rotation_sets_fail_in_one_line(tool, args, tmp_path):
    proc = run_tool(
        ['python', osp.join(REPO, 'tools', tool), CFG] + args + [
            '--work-dir',
            # the first metric; the second is the online probes'
            str(tmp_path),
            '--cfg-options',
            'val_evaluator.0.angles=four',
            'test_evaluator.0.angles=four'
        ],
        check=False)
    assert proc.returncode == 1
    assert proc.stdout.strip().splitlines()[-1] == LINE
    assert 'Traceback' not in proc.stdout
