# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""What the docs say agrees with the repository: every dataset a config
reads has its section in docs/dataset_prepare.md, no page cites a
REFERENCE.md, and every benchmark launcher is documented and called in the
argument order of its usage line."""
import glob
import os.path as osp
import re
import shlex
import subprocess

import pytest
from mmengine.config import Config

from mmselfsup_rot.datasets.checks import leaf_datasets
from tests.conftest import REPO
from tests.test_docs.test_doc_commands import COMMANDS

PREPARE = osp.join(REPO, 'docs', 'dataset_prepare.md')
LAUNCHERS = [
    'benchmarks/classification/dist_train_linear.sh',
    'benchmarks/classification/semi_sup_grid.sh',
    'benchmarks/classification/knn.sh',
    'benchmarks/svm_voc07/extract_and_svm.sh',
    'tools/benchmarks/dist_train_transfer.sh',
]
CONVENTION = ['CONFIG', 'PRETRAINED', '[GPUS]']


def _configs():
    """Every runnable config: pretraining and benchmarks, no bases."""
    paths = glob.glob(osp.join(REPO, 'configs', '*.py')) + glob.glob(
        osp.join(REPO, 'benchmarks', '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, REPO) for p in paths if '_base_' not in p
        and osp.dirname(p) != osp.join(REPO, 'benchmarks', 'speed'))


def _datasets(cfg: Config):
    """``(loader, leaf dataset config)`` of every loader of a config."""
    loaders = {
        name: cfg.get(name)
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    }
    for split, loader in (cfg.get('extract_dataloaders') or {}).items():
        loaders[f'extract_dataloaders.{split}'] = loader
    for name, loader in loaders.items():
        if loader and loader.get('dataset') is not None:
            for leaf, _ in leaf_datasets(loader['dataset'], name):
                yield name, leaf


def _paths_read(leaf: dict):
    """The data root and the names below it that the dataset opens."""
    root = str(leaf.get('data_root') or '').rstrip('/')
    names = []
    prefix = leaf.get('data_prefix') or ''
    for value in (prefix.values() if isinstance(prefix, dict) else [prefix]):
        names.append(str(value))
    names += [str(leaf.get('ann_file') or ''), str(leaf.get('split') or '')]
    return root, [osp.basename(n.rstrip('/')) for n in names if n]


def _sections(text: str):
    """``{heading: body}`` of the ``##`` sections of a page."""
    parts = re.split(r'^## (.+)$', text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def test_every_dataset_a_config_reads_has_a_section():
    sections = _sections(open(PREPARE).read())
    checked = set()
    for config in _configs():
        cfg = Config.fromfile(osp.join(REPO, config))
        for loader, leaf in _datasets(cfg):
            root, names = _paths_read(leaf)
            assert root, f'{config} {loader}: no data_root'
            homes = [t for t, body in sections.items() if f'{root}/' in body]
            assert homes, (f'{config} {loader} reads {root}/, which no '
                           'section of docs/dataset_prepare.md shows')
            for name in names:
                assert any(name in sections[t] for t in homes), (
                    f'{config} {loader} reads {name} under {root}/, which '
                    f'its section(s) {homes} do not show')
            checked.add(root)
    # every family of datasets went through the check
    assert {
        'data/imagenet', 'data/places205', 'data/inat18', 'data/cifar10',
        'data/VOCdevkit/VOC2007', 'data/VOCdevkit', 'data/VOCdevkit/VOC2012',
        'data/coco', 'data/cityscapes', 'data/digits'
    } <= checked


def test_no_doc_cites_a_reference_file():
    pages = glob.glob(osp.join(REPO, '**', '*.md'), recursive=True)
    pages = [p for p in pages if '/.venv/' not in p]
    assert osp.join(REPO, 'docs', 'index.md') in pages
    for page in pages:
        assert 'REFERENCE.md' not in open(page).read(), page


def test_no_command_is_left_unfinished():
    for doc, command in COMMANDS:
        assert not command.rstrip().endswith('...'), f'{doc}: `{command}`'


def _usage(launcher: str) -> str:
    proc = subprocess.run(['bash', osp.join(REPO, launcher)],
                          capture_output=True,
                          text=True)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith('usage: bash '), line
    return line[len('usage: '):]


@pytest.mark.parametrize('launcher', LAUNCHERS)
def test_launcher_usage_is_the_convention_and_documented(launcher):
    usage = _usage(launcher)
    tokens = usage.split()
    assert tokens[:2] == ['bash', launcher]
    assert tokens[2:5] == CONVENTION, usage
    assert tokens[5].startswith('[') and usage.endswith('options]')
    # the launcher table of benchmarks.md gives it verbatim
    assert f'`{usage}`' in open(osp.join(REPO, 'docs', 'benchmarks.md')).read()


def _calls(launcher: str):
    """``(doc, positional arguments)`` of each documented call."""
    for doc, command in COMMANDS:
        tokens = shlex.split(command.replace(';', ' ; '))
        for idx, token in enumerate(tokens[:-1]):
            if token == 'bash' and tokens[idx + 1] == launcher:
                args = []
                for arg in tokens[idx + 2:]:
                    if arg.startswith('-') or arg == ';':
                        break
                    args.append(arg)
                yield doc, command, args


@pytest.mark.parametrize('launcher', LAUNCHERS)
def test_documented_calls_follow_the_usage_line(launcher):
    calls = list(_calls(launcher))
    assert calls, f'no doc runs {launcher}'
    usage = _usage(launcher)
    for doc, command, args in calls:
        where = f'{doc}: `{command}`'
        if usage in command:
            continue  # the synopsis itself
        assert 2 <= len(args) <= 3, where
        config, pretrained = args[:2]
        assert config.endswith('.py') or config == 'CONFIG', where
        assert not pretrained.endswith('.py'), where
        if len(args) == 3:
            assert re.fullmatch(r'\d+|\$\w+|GPUS', args[2]), where


@pytest.mark.parametrize('launcher', LAUNCHERS)
def test_launcher_refuses_a_missing_config_in_one_line(launcher, tmp_path):
    proc = subprocess.run(
        ['bash',
         osp.join(REPO, launcher),
         str(tmp_path / 'none.py'), 'none'],
        capture_output=True,
        text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f'error: config {tmp_path}/none.py does not exist (usage: '
        f'{_usage(launcher)})'
    ]
