# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Every shell command in docs/*.md names files that exist, and every
python tool it runs answers ``--help``. The commands themselves are run by
the tests of each area (see each page) and by the demo."""
import contextlib
import glob
import io
import os.path as osp
import re
import runpy
import shlex
import sys

import pytest

from tests.conftest import REPO

DOCS = sorted(
    glob.glob(osp.join(REPO, 'docs', '*.md')) + [osp.join(REPO, 'README.md')])
FENCE = re.compile(r'```(?:bash|shell|sh|console)\n(.*?)```', re.DOTALL)
PROJECT_DIRS = ('tools/', 'configs/', 'benchmarks/')


def doc_commands():
    """``(doc, command)`` for each command line of the shell blocks
    (continuation lines joined, comments dropped)."""
    found = []
    for doc in DOCS:
        text = open(doc).read()
        for block in FENCE.findall(text):
            block = re.sub(r'\\\n\s*', ' ', block)
            for line in block.splitlines():
                line = line.split(' #')[0].strip()
                if line and not line.startswith('#'):
                    found.append((osp.basename(doc), line))
    return found


def project_paths(command: str):
    """Tokens naming a script or config of the repository."""
    try:
        tokens = shlex.split(command)
    except ValueError:
        tokens = command.split()
    for token in tokens:
        token = token.split('=')[-1]
        if token.startswith(PROJECT_DIRS) and \
                token.endswith(('.py', '.sh', '.yml')) and \
                not re.search(r'[A-Z]{3,}', token):
            yield token


COMMANDS = doc_commands()


def test_docs_have_commands():
    docs = {doc for doc, _ in COMMANDS}
    assert {
        'pretraining.md', 'benchmarks.md', 'getting_started.md',
        'model_converters.md'
    } <= docs


@pytest.mark.parametrize('doc,command', COMMANDS)
def test_paths_in_commands_exist(doc, command):
    for path in project_paths(command):
        pattern = re.sub(r'\{([^}]*)\}', '*', path)
        assert glob.glob(osp.join(REPO, pattern)), \
            f'{doc}: `{command}` names {path}, which does not exist'


def _python_tools():
    tools = set()
    for _, command in COMMANDS:
        for path in project_paths(command):
            if path.startswith('tools/') and path.endswith('.py'):
                tools.add(path)
    return sorted(tools)


def test_python_tools_answer_help(monkeypatch):
    """Run each tool's argument parser in this process (fast: the heavy
    imports are shared)."""
    tools = _python_tools()
    assert 'tools/analysis/collect_results.py' in tools
    monkeypatch.syspath_prepend(REPO)
    for tool in tools:
        monkeypatch.setattr(sys, 'argv', [tool, '--help'])
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as e:
            runpy.run_path(osp.join(REPO, tool), run_name='__main__')
        assert e.value.code == 0, tool
        assert 'usage:' in out.getvalue(), tool


def test_collect_results_command_runs(tmp_path, monkeypatch):
    """The documented collector command, on an empty work dir."""
    (tmp_path / 'work_dirs').mkdir()
    tool = osp.join(REPO, 'tools', 'analysis', 'collect_results.py')
    monkeypatch.setattr(sys, 'argv', [
        tool,
        str(tmp_path / 'work_dirs'), '--out',
        str(tmp_path / 'z.md'), '--readme', '', '--json', ''
    ])
    runpy.run_path(tool, run_name='__main__')
    text = (tmp_path / 'z.md').read_text()
    assert '### Published reference results' in text
    assert '| mmselfsup model zoo | RotNet ResNet-50' in text
