# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import argparse
import os

import pytest

from mmselfsup_rot.utils.cli import (add_launcher_args, errors_as_one_line,
                                     export_local_rank)


def test_launcher_args_and_local_rank(monkeypatch):
    parser = argparse.ArgumentParser()
    add_launcher_args(parser, launchers=('none', 'pytorch'))
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    args = parser.parse_args(['--launcher', 'pytorch', '--local-rank', '3'])
    export_local_rank(args.local_rank)
    assert (args.launcher, args.local_rank) == ('pytorch', 3)
    assert os.environ['LOCAL_RANK'] == '3'
    # a launcher's LOCAL_RANK wins over the flag's default
    monkeypatch.setenv('LOCAL_RANK', '1')
    export_local_rank(parser.parse_args([]).local_rank)
    assert os.environ['LOCAL_RANK'] == '1'
    with pytest.raises(SystemExit):  # not a launcher of this tool
        parser.parse_args(['--launcher', 'slurm'])


def test_errors_as_one_line():
    with pytest.raises(SystemExit, match='^error: bad angles$'):
        with errors_as_one_line(ValueError):
            raise ValueError('bad angles')
