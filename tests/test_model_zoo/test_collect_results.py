# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The results collector on real tiny runs: attribution (nested, by path,
through a converted copy, by content), baselines, unattributed runs,
cells, the published reference table, determinism."""
import json
import os.path as osp
import runpy
import sys
from unittest import mock

import pytest

from mmselfsup_rot.model_zoo.collect import BEGIN, END, replace_block
from mmselfsup_rot.utils.logs import last_value, read_scalars
from mmselfsup_rot.utils.source_checkpoint import (file_sha256,
                                                   read_source_record)
from tests.conftest import REPO, run_tool

pytestmark = pytest.mark.slow

LAYERS = ('pixels', 'stem', 'stage1', 'stage2', 'stage3', 'stage4')


def _rows(text: str, title: str) -> list:
    """Cells of every row of the table under ``### title``."""
    table = text.split(f'### {title}')[1].split('###')[0]
    rows = [[c.strip() for c in line.strip().strip('|').split('|')]
            for line in table.splitlines()
            if line.startswith('| ') and not line.startswith('|---')]
    return rows[1:]  # without the header


def _row(text: str, title: str, model: str, source: str) -> list:
    """Cells of the row of ``model`` whose source starts with ``source`` in
    the table under ``### title``."""
    for cells in _rows(text, title):
        if cells[0] == f'`{model}`' and cells[1].startswith(source):
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
    assert ('8 runs found, 4 benchmark runs attributed to a pretraining '
            'run, 2 baseline runs without pretrained weights, 1 '
            'unattributed') in collected['stdout']


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


def _probe_cells(work_dir) -> list:
    scalars = read_scalars(str(work_dir))
    cells = []
    for layer in LAYERS:
        value = last_value(scalars, f'multi-head/{layer}_top1')
        cells.append('' if value is None else f'{value:.2f}')
    return cells


def test_per_layer_digits_probes_and_baselines(zoo_runs, collected):
    zoo = collected['texts'][0][0]
    name = osp.basename(zoo_runs['config'])[:-3]
    title = 'Digits linear probes per layer'
    # the RotNet probes ran outside the pretraining work_dir on a converted
    # backbone copy: their record names the pretraining checkpoint
    record = read_source_record(str(zoo_runs['probe']))
    assert record['checkpoint'] == zoo_runs['checkpoint']
    assert record['sha256'] == file_sha256(zoo_runs['checkpoint'])
    assert [f['path'] for f in record['loaded']] == [zoo_runs['converted']]
    rotnet = _probe_cells(zoo_runs['probe'])
    assert rotnet[0] == '' and all(rotnet[1:])
    assert _row(zoo, title, name, 'ours: `work/pretrain`') == rotnet
    # baselines: rows of their own, attributed to no model
    random_init = _probe_cells(zoo_runs['random_init'])
    assert _row(
        zoo, title,
        'multi-head-linear_resnet18_1xb64-coslr-10e_digits_random-init',
        'ours, no pretrained weights: `work/probes/random_init`'
    ) == random_init
    pixels = _probe_cells(zoo_runs['pixels'])
    assert pixels[0] and pixels[1:] == [''] * 5
    assert _row(zoo, title, 'multi-head-linear_pixels_1xb64-coslr-10e_digits',
                'ours, no pretrained weights') == pixels
    assert read_source_record(str(zoo_runs['pixels'])) is None


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
    # extracted from a copy of the checkpoint: attributed by content
    with open(zoo_runs['knn'] / 'knn_results.json') as f:
        knn = json.load(f)
    row = _row(zoo, 'ImageNet kNN', name, 'ours')
    assert row == [
        f'{knn["10"]["top1"]:.2f}', f'{knn["20"]["top1"]:.2f}', '', ''
    ]


def test_unattributed_runs_are_listed_not_dropped(zoo_runs, collected):
    zoo = collected['texts'][0][0]
    digest = file_sha256(zoo_runs['foreign_checkpoint'])
    with open(zoo_runs['foreign'] / 'svm_results.json') as f:
        svm = json.load(f)
    assert _rows(zoo, 'Unattributed benchmark runs') == [[
        'unknown', '`work/foreign/features`', '`work/foreign/other_model.pth`',
        f'`{digest[:12]}`', f'SVM feature4 mAP: {svm["feature4"]["mAP"]:.2f}, '
        f'SVM feature5 mAP: {svm["feature5"]["mAP"]:.2f}'
    ]]


def test_published_figures_only_in_the_reference_table(collected):
    zoo = collected['texts'][0][0]
    ours = zoo.split('### Published reference results')[0]
    for title in ('VOC07 SVM', 'ImageNet linear evaluation', 'Detection',
                  'Segmentation', 'CIFAR-10 protocols', 'Rotation prediction'):
        assert all(cells[1].startswith('ours')
                   for cells in _rows(ours, title)), title
    r50 = 'rotation-pred_resnet50_8xb16-steplr-70e_in1k'
    assert _row(zoo, 'ImageNet linear evaluation', r50,
                'ours: `no run`') == [''] * 6
    refs = {
        (cells[0].split(' (')[0], cells[3]): cells
        for cells in _rows(zoo, 'Published reference results')
    }
    paper = 'RotNet paper'
    alexnet = refs[(paper, 'ImageNet-1k linear classification')]
    assert 'about 30 epochs' in alexnet[2]
    assert alexnet[5] == ('conv1 18.8, conv2 31.7, conv3 38.7, conv4 38.2, '
                          'conv5 36.5')
    assert refs[(paper, 'ImageNet-1k non-linear classification')][5] == \
        'conv4 50.0, conv5 43.8, supervised AlexNet conv5 59.7'
    assert refs[(paper, 'CIFAR-10 non-linear classification')][5] == \
        'block1 85.07, block2 89.06, block3 86.21, block4 61.73'
    mmselfsup = 'mmselfsup model zoo'
    multi_head = refs[(mmselfsup,
                       'ImageNet-1k linear classification, multi-head')]
    assert multi_head[2] == 'ImageNet-1k, 70 epochs'
    assert multi_head[5] == ('feature1 12.15, feature2 31.99, feature3 '
                             '44.57, feature4 54.20, feature5 45.94')
    assert refs[(mmselfsup, 'PASCAL VOC 2007+2012 detection')][5] == \
        'AP50 79.67'


def test_rows_only_where_a_run_can_fill_them(collected):
    zoo = collected['texts'][0][0]
    # AET/AVT configs evaluate no rotation accuracy
    models = [cells[0] for cells in _rows(zoo, 'Rotation prediction')]
    assert not [m for m in models if m.startswith(('`aet', '`avt'))]
    assert '`feature-decoupling_alexnet-bn_1xb192-steplr-245e_in1k`' in models
    assert '`rotation-pred_nin-4b_1xb128-steplr-200e_cifar10`' in models


def test_results_json_for_metafiles(zoo_runs, collected):
    data = json.loads(collected['texts'][0][2])
    name = osp.basename(zoo_runs['config'])[:-3]
    benchmarks = {r['Benchmark'] for r in data['results'][name]}
    assert 'VOC07 SVM (mAP per layer)' in benchmarks
    assert 'Digits linear probes per layer (top-1)' in benchmarks
    # a baseline's results belong to its own benchmark config
    (pixels,
     ) = data['results']['multi-head-linear_pixels_1xb64-coslr-10e_digits']
    assert list(pixels['Metrics']) == ['pixels']
    runs = {r['path']: r for r in data['runs']}
    assert runs['work/svm/features']['owner'] == name
    assert runs['work/knn/features']['owner'] == name
    assert runs['work/knn/features']['checkpoint'] == 'work/copies/rotnet.pth'
    assert runs['work/foreign/features']['owner'] is None
    assert {p['source'].split(' (')[0]
            for p in data['published']
            } == {'RotNet paper', 'mmselfsup model zoo'}


def test_block_replacement_keeps_hand_text():
    text = 'intro\n\n' + BEGIN + '\nold\n' + END + '\n\noutro\n'
    new = replace_block(text, BEGIN + '\nnew\n' + END)
    assert new == 'intro\n\n' + BEGIN + '\nnew\n' + END + '\n\noutro\n'
    assert replace_block('x\n', 'B') == 'x\n\nB\n'
