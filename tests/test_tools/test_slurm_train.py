# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""tools/slurm_train.sh: what it hands to ``srun``.

Slurm is not installed where the tests run; an ``srun`` on the PATH that
records its arguments stands in for it (slurm is the cluster's scheduler,
not a library of the project)."""
import os
import os.path as osp
import stat

import pytest

from tests.conftest import REPO, run_tool

SCRIPT = osp.join(REPO, 'tools', 'slurm_train.sh')
TRAIN = osp.join(REPO, 'tools', 'train.py')
CONFIG = 'configs/rotation-pred_resnet18_1xb64-coslr-12e_digits.py'


@pytest.fixture
def fake_srun(tmp_path):
    """Run the script with an ``srun`` that writes its arguments, one per
    line, and return them."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text('#!/usr/bin/env bash\n'
                    'printf "%s\\n" "$@" > "$SRUN_ARGS_FILE"\n'
                    'echo "PYTHONPATH=$PYTHONPATH" >> "$SRUN_ARGS_FILE"\n')
    srun.chmod(srun.stat().st_mode | stat.S_IXUSR)
    out = tmp_path / 'srun_args.txt'

    def run(*args, **env):
        proc = run_tool(['bash', SCRIPT, *args],
                        env=dict(
                            PATH=str(bin_dir) + os.pathsep +
                            os.environ['PATH'],
                            SRUN_ARGS_FILE=str(out),
                            **env),
                        check=False)
        lines = out.read_text().splitlines() if out.exists() else None
        return proc, lines

    return run


def train_args(lines):
    """The arguments after ``python -u tools/train.py``."""
    start = lines.index(TRAIN)
    assert lines[start - 2:start] == ['python', '-u']
    return lines[start + 1:-1]


def test_option_in_fourth_place_is_not_a_work_dir(fake_srun):
    proc, lines = fake_srun('gpu', 'rotnet', CONFIG, '--amp')
    assert proc.returncode == 0, proc.stdout
    assert train_args(lines) == [CONFIG, '--launcher=slurm', '--amp']


def test_work_dir_then_options_with_spaces(fake_srun):
    proc, lines = fake_srun('gpu', 'rotnet', CONFIG, 'work_dirs/rotnet',
                            '--amp', '--cfg-options',
                            'work_dir=a dir with spaces')
    assert proc.returncode == 0, proc.stdout
    assert train_args(lines) == [
        CONFIG, '--work-dir', 'work_dirs/rotnet', '--launcher=slurm', '--amp',
        '--cfg-options', 'work_dir=a dir with spaces'
    ]


def test_srun_gets_partition_job_and_resources(fake_srun):
    proc, lines = fake_srun(
        'gpu',
        'rotnet',
        CONFIG,
        GPUS='16',
        GPUS_PER_NODE='8',
        CPUS_PER_TASK='6',
        SRUN_ARGS='--nodes=2 --exclusive')
    assert proc.returncode == 0, proc.stdout
    assert lines[:lines.index('python')] == [
        '-p', 'gpu', '--job-name=rotnet', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=6', '--kill-on-bad-exit=1',
        '--nodes=2', '--exclusive'
    ]
    assert train_args(lines) == [CONFIG, '--launcher=slurm']
    # the checkout's package comes first for every task
    assert lines[-1].startswith(f'PYTHONPATH={REPO}')


def test_too_few_arguments_is_a_usage_error(fake_srun):
    proc, lines = fake_srun('gpu', 'rotnet')
    assert proc.returncode == 2
    assert proc.stdout.startswith('usage: GPUS=8 bash')
    assert lines is None
