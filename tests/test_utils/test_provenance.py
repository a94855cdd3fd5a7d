# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""What a result file records about its run: the commit and whether the
checkout differed from it, the command line, the machine; and the speed
report that refuses to be written without them."""
import json
import os
import os.path as osp
import subprocess

import pytest

from mmselfsup_rot.speed.report import write_report
from mmselfsup_rot.utils.provenance import (RECORD_KEYS, command_line,
                                            git_commit, git_dirty, host_info,
                                            missing_record_keys, provenance)
from tests.conftest import REPO


def _git(repo, *args):
    return subprocess.run(['git', *args],
                          cwd=repo,
                          check=True,
                          capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """A git clone with one commit of one file."""
    _git(tmp_path, 'init', '-q')
    (tmp_path / 'a.txt').write_text('a\n')
    _git(tmp_path, 'add', 'a.txt')
    _git(tmp_path, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q',
         '-m', 'a')
    return tmp_path


def test_commit_and_dirty_flag(repo):
    assert git_commit(str(repo)) == _git(repo, 'rev-parse', 'HEAD')
    assert git_dirty(str(repo)) is False
    # work directories and data are untracked: still clean
    (repo / 'work_dirs').mkdir()
    (repo / 'work_dirs' / 'log.txt').write_text('x')
    assert git_dirty(str(repo)) is False
    (repo / 'a.txt').write_text('b\n')
    assert git_dirty(str(repo)) is True


def test_outside_a_clone_nothing_is_claimed(tmp_path):
    assert git_commit(str(tmp_path)) is None
    assert git_dirty(str(tmp_path)) is None


def test_command_line_is_relative_to_the_repository_and_quoted():
    script = osp.join(REPO, 'tools', 'speed', 'rotation_speed.py')
    # the checkout of the tests, also where the package is installed
    # from elsewhere (an offline node's bundle)
    assert command_line(
        script, ['--out', 'a b.json'],
        repo=REPO) == ("python tools/speed/rotation_speed.py --out 'a b.json'")
    assert command_line(
        '/elsewhere/x.py', [], repo=REPO) == 'python /elsewhere/x.py'


def test_provenance_record(repo):
    record = provenance(
        osp.join(REPO, 'tools', 'demo.py'), ['--x', '1'], repo=str(repo))
    assert record['commit'] == _git(repo, 'rev-parse', 'HEAD')
    assert record['dirty'] is False
    assert record['command'] == command_line(
        osp.join(REPO, 'tools', 'demo.py'), ['--x', '1'])
    assert record['created'].endswith('Z')
    host = host_info()
    assert host['cpu_cores'] == os.cpu_count()
    assert host['cpu'] and host['python'] and host['torch']
    assert missing_record_keys(dict(record, machine=host)) == []
    assert missing_record_keys(record) == ['machine']
    assert RECORD_KEYS == ('commit', 'dirty', 'machine', 'command')


def test_speed_report_refuses_to_be_written_without_its_record(tmp_path):
    path = tmp_path / 'speed.json'
    with pytest.raises(ValueError, match=r"lacks \['commit', 'dirty'"):
        write_report(dict(machine={}, command='x', runs=[]), str(path))
    assert not path.exists()
    report = dict(
        provenance(osp.join(REPO, 'tools', 'speed', 'rotation_speed.py'), []),
        machine=host_info(),
        runs=[])
    write_report(report, str(path))
    assert json.loads(path.read_text()) == report
