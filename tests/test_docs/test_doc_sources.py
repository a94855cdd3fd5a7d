# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Every measured figure in the docs says where it came from: the result
files a page cites exist and record their commit, machine and command (or,
written before results recorded them, the page names the commit that added
them), the tests a page names exist, and the demo's figures on
docs/model_zoo.md are those of the result files it cites."""
import glob
import json
import os.path as osp
import re
import subprocess

import pytest

from mmselfsup_rot.utils.provenance import git_commit
from tests.conftest import REPO

PAGES = sorted(
    glob.glob(osp.join(REPO, 'docs', '*.md')) +
    glob.glob(osp.join(REPO, 'benchmarks', '**', '*.md'), recursive=True) +
    [osp.join(REPO, 'README.md')])
RESULT_FILE = re.compile(r'benchmarks/[\w./-]*?results/[\w./-]+\.json')
TEST_FILE = re.compile(r'tests/[\w./*<>-]+\.py')
# What a result file must record about its run.
REQUIRED = ('commit', 'machine', 'command')
# Result files written before the reports recorded their commit and
# command; a page that cites one names the commit that added it instead.
LEGACY = {
    f'benchmarks/speed/results/cpu_2core/{name}.json'
    for name in ('r1_resnet50_64', 'r2_nin32_alexnet64',
                 'r3_resnet50_64_workers1', 'r4_resnet50_64_device_flip',
                 'r5_resnet50_64_nin32', 'r6_resnet50_64',
                 'r7_resnet18_64_seeded_loader', 'resnet50_64_bf16',
                 'resnet50_64_channels_last', 'scaling_bn', 'scaling_gn')
}
DEMO_RESULTS = 'benchmarks/demo/results/'


def _read(page: str) -> str:
    with open(page, encoding='utf-8') as f:
        return f.read()


def _cited(pattern: re.Pattern) -> list:
    """``(page, path)`` of every path a page names (a path broken over two
    lines is joined first)."""
    found = []
    for page in PAGES:
        text = re.sub(r'/\n', '/', _read(page))
        for path in sorted(set(pattern.findall(text))):
            found.append((osp.relpath(page, REPO), path.rstrip('.')))
    return found


def _adding_commit(path: str) -> str:
    out = subprocess.run(
        ['git', 'log', '--diff-filter=A', '--format=%h', '-1', '--', path],
        cwd=REPO,
        capture_output=True,
        text=True)
    return out.stdout.strip()


def test_pages_cite_result_files():
    pages = {page for page, _ in _cited(RESULT_FILE)}
    assert {'docs/speed.md', 'docs/model_zoo.md'} <= pages


@pytest.mark.parametrize('page,path', _cited(RESULT_FILE))
def test_cited_result_file_exists_and_says_where_it_came_from(page, path):
    full = osp.join(REPO, path)
    assert osp.isfile(full), f'{page} cites {path}, which does not exist'
    with open(full) as f:
        record = json.load(f)
    if path in LEGACY:
        if git_commit(REPO) is None:
            pytest.skip('not a git clone: the adding commit is unknown')
        commit = _adding_commit(path)
        assert commit and commit in _read(osp.join(REPO, page)), (
            f'{page} cites {path}, which records no commit: name the commit '
            f'that added it ({commit})')
        return
    missing = [key for key in REQUIRED if not record.get(key)]
    assert not missing, f'{page} cites {path}, which lacks {missing}'


def test_every_result_file_records_its_run():
    """New result files carry their commit, machine and command; the list
    of older files does not grow."""
    files = glob.glob(
        osp.join(REPO, 'benchmarks', '**', 'results', '**', '*.json'),
        recursive=True)
    assert files
    for full in files:
        path = osp.relpath(full, REPO)
        if path in LEGACY:
            continue
        with open(full) as f:
            record = json.load(f)
        missing = [key for key in REQUIRED if not record.get(key)]
        assert not missing, f'{path} lacks {missing}'
    # each listed older file still exists (else drop it from the list)
    for path in LEGACY:
        assert osp.isfile(osp.join(REPO, path)), path


@pytest.mark.parametrize('page,path', _cited(TEST_FILE))
def test_named_test_files_exist(page, path):
    if '<' in path:  # a pattern for new files, e.g. test_<name>.py
        return
    assert glob.glob(osp.join(REPO, path)), \
        f'{page} names {path}, which does not exist'


def test_named_test_files_are_checked():
    named = {path for _, path in _cited(TEST_FILE)}
    # the paths that once went stale are among those checked
    assert 'tests/test_downstream/test_svm.py' in named
    assert 'tests/test_speed/test_speed_benchmarks.py' in named


def _demo_section() -> str:
    """The hand-written section on the demo's runs (up to the next
    heading or the generated tables)."""
    text = _read(osp.join(REPO, 'docs', 'model_zoo.md'))
    start = text.index('## The demo')
    body = text.index('\n', start)
    end = re.search(r'^(#|<!--)', text[body:], re.MULTILINE)
    return text[start:body + end.start()] if end else text[start:]


def test_demo_figures_are_those_of_its_result_files():
    section = _demo_section()
    paths = sorted(set(RESULT_FILE.findall(section)))
    runs = [p for p in paths if p.startswith(DEMO_RESULTS)]
    # the run-to-run spread needs at least two recorded runs
    assert len(runs) >= 2, runs
    for path in runs:
        with open(osp.join(REPO, path)) as f:
            record = json.load(f)
        assert record['commit'][:7] in section, path
        assert record['machine']['cpu'] in section, path
        figures = [record['rotation_accuracy']] + [
            acc for accs in record['probes'].values() for acc in accs.values()
        ]
        for value in figures:
            assert f'{value:.2f}' in section, (path, value)
