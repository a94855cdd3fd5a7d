# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The results collector on real tiny runs: attribution, cells, published
anchors, determinism."""
import json
import os.path as osp
import runpy
import sys
from unittest import mock

import pytest

from mmselfsup_rot.model_zoo.collect import BEGIN, END, replace_block
from mmselfsup_rot.utils.logs import last_value, read_scalars
from tests.conftest import REPO, run_tool

pytestmark = pytest.mark.slow


def _row(text: str, title: str, model: str, source: str) -> list:
    """Cells of the row of ``model`` whose source starts with ``source`` in
    the table under ``### title``."""
    table = text.split(f'### {title}')[1].split('###')[0]
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) > 2 and cells[0] == f'`{model}`' and \
                cells[1].startswith(source):
            return cells[2:]
    raise AssertionError(f'no row {model} / {source} in {title}')


@pytest.fixture(scope='module')
def collected(zoo_runs, tmp_path_factory):
    out = tmp_path_factory.mktemp('collected')
    texts = []
    for attempt in ('a', 'b'):
        args = [
            'python',
            osp.join(REPO, 'tools', 'analysis', 'collect_results.py'),
            str(zoo_runs['work']), '--out',
            str(out / f'zoo_{attempt}.md'), '--readme',
            str(out / f'readme_{attempt}.md'), '--json',
            str(out / f'zoo_{attempt}.json')
        ]
        if attempt == 'a':
            proc = run_tool(args)
        else:  # the second time in-process, which is faster
            with mock.patch.object(sys, 'argv', args[1:]):
                runpy.run_path(args[1], run_name='__main__')
        texts.append([(out / f'{kind}_{attempt}.{ext}').read_text()
                      for kind, ext in (('zoo', 'md'), ('readme', 'md'),
                                        ('zoo', 'json'))])
    return dict(texts=texts, stdout=proc.stdout)


def test_tables_are_deterministic(collected):
    first, second = collected['texts']
    assert first == second
    assert '5 runs found, 4 benchmark runs attributed' in collected['stdout']


def test_logged_metrics_land_in_their_cells(zoo_runs, collected):
    zoo = collected['texts'][0][0]
    name = osp.basename(zoo_runs['config'])[:-3]
    # rotation accuracy of the pretraining run's validation
    acc = last_value(
        read_scalars(str(zoo_runs['pretrain'])), 'rotation/accuracy')
    row = _row(zoo, 'Rotation prediction', name, 'ours: `work/pretrain`')
    assert row[0] == f'{acc:.2f}'
    # the SVM run names the checkpoint, so it belongs to this model
    with open(zoo_runs['features'] / 'svm_results.json') as f:
        svm = json.load(f)
    row = _row(zoo, 'VOC07 SVM', name, 'ours')
    assert row == [
        '', '', '', f'{svm["feature4"]["mAP"]:.2f}',
        f'{svm["feature5"]["mAP"]:.2f}'
    ]
    with open(zoo_runs['features'] / 'low_shot_results.json') as f:
        low = json.load(f)
    best = max(('feature4', 'feature5'), key=lambda k: svm[k]['mAP'])
    row = _row(zoo, 'VOC07 low-shot SVM', name, 'ours')
    assert row[:2] == [f'{r["mean"]:.2f}' for r in low[best]]
    assert row[2:] == [''] * 6
    # the probe nested in the pretraining dir, in the "other" table
    top1 = last_value(read_scalars(str(zoo_runs['probe'])), 'accuracy/top1')
    other = zoo.split('### Other benchmark runs')[1]
    assert f'| `{name}` | `resnet18_linear-' in other
    assert f'accuracy/top1: {top1:.2f}' in other


def test_multi_head_and_knn_runs_land_in_their_cells(zoo_runs, collected):
    zoo = collected['texts'][0][0]
    name = osp.basename(zoo_runs['config'])[:-3]
    scalars = read_scalars(str(zoo_runs['multi_head']))
    expected = [
        f'{last_value(scalars, f"multi-head/feature{i}_top1"):.2f}'
        for i in range(1, 6)
    ]
    row = _row(zoo, 'ImageNet linear evaluation', name, 'ours')
    assert row == expected + ['']  # no AvgPool linear run
    with open(zoo_runs['knn'] / 'knn_results.json') as f:
        knn = json.load(f)
    row = _row(zoo, 'ImageNet kNN', name, 'ours')
    assert row == [
        f'{knn["10"]["top1"]:.2f}', f'{knn["20"]["top1"]:.2f}', '', ''
    ]


def test_published_anchors_and_empty_cells(collected):
    zoo = collected['texts'][0][0]
    r50 = 'rotation-pred_resnet50_8xb16-steplr-70e_in1k'
    assert _row(zoo, 'ImageNet linear evaluation', r50, 'published') == [
        '12.15', '31.99', '44.57', '54.20', '45.94', '47.00'
    ]
    assert _row(zoo, 'ImageNet linear evaluation', r50,
                'ours: `no run`') == [''] * 6
    assert _row(zoo, 'Detection', r50, 'published')[0] == '79.67'


def test_results_json_for_metafiles(zoo_runs, collected):
    data = json.loads(collected['texts'][0][2])
    name = osp.basename(zoo_runs['config'])[:-3]
    benchmarks = {r['Benchmark'] for r in data['results'][name]}
    assert 'VOC07 SVM (mAP per layer)' in benchmarks
    assert any(b.startswith('resnet18_linear-') for b in benchmarks)
    owners = {r['path']: r['owner'] for r in data['runs']}
    assert owners['work/svm/features'] == name


def test_block_replacement_keeps_hand_text():
    text = 'intro\n\n' + BEGIN + '\nold\n' + END + '\n\noutro\n'
    new = replace_block(text, BEGIN + '\nnew\n' + END)
    assert new == 'intro\n\n' + BEGIN + '\nnew\n' + END + '\n\noutro\n'
    assert replace_block('x\n', 'B') == 'x\n\nB\n'
