# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The benchmark plots: one bar per layer and series, one point per k,
read from the results the tools write."""
import json
import runpy
import sys

import numpy as np
import pytest
from PIL import Image

from mmselfsup_rot.visualization.benchmark_plots import (
    linear_stage_accuracies, plot_knn, plot_linear_stages, plot_low_shot,
    plot_svm)
from tests.conftest import REPO


def _png(path):
    img = np.asarray(Image.open(path).convert('RGB'))
    # drawn, not blank
    assert img.std() > 10
    return img


def test_svm_low_shot_and_knn_plots(tmp_path):
    svm = {f'feature{i}': dict(mAP=10.0 * i, ap=[10.0 * i]) for i in (1, 4)}
    rows = [
        dict(k=k, cost=1.0, mean=k, min=k - 1, max=k + 1, std=0.5)
        for k in (1, 2, 4, 96)
    ]
    _png(plot_svm(svm, str(tmp_path / 'svm.png')))
    _png(plot_low_shot({'feature4': rows}, str(tmp_path / 'low.png')))
    # knn_results.json keys are strings
    knn = json.loads(
        json.dumps({
            10: dict(top1=11.0, top5=30.0),
            200: dict(top1=12.4, top5=31.0)
        }))
    _png(plot_knn(knn, str(tmp_path / 'knn.png'), 'feature5'))
    with pytest.raises(ValueError, match='Nothing to plot'):
        plot_svm({}, str(tmp_path / 'none.png'))


def test_linear_stages_from_scalars(tmp_path):
    records = [
        dict(lr=0.1, loss=2.0, step=1),
        {
            'multi-head/conv1_top1': 10.0,
            'multi-head/conv1_top5': 20.0,
            'multi-head/conv5_top1': 30.0,
            'step': 1
        },
        {
            'multi-head/conv1_top1': 18.8,
            'multi-head/conv5_top1': 36.5,
            'step': 2
        },
    ]
    stages = linear_stage_accuracies(records)
    # the last validation wins, layers in logging order
    assert stages == {
        'conv1': {
            'top1': 18.8,
            'top5': 20.0
        },
        'conv5': {
            'top1': 36.5
        }
    }
    assert linear_stage_accuracies([{
        'accuracy/top1': 47.0
    }]) == {
        'linear': {
            'top1': 47.0
        }
    }
    _png(plot_linear_stages(stages, str(tmp_path / 'stages.png')))


def _run_tool(argv, monkeypatch, capsys):
    tool = f'{REPO}/tools/analysis/plot_linear_stages.py'
    monkeypatch.setattr(sys, 'argv', [tool] + [str(a) for a in argv])
    runpy.run_path(tool, run_name='__main__')
    return capsys.readouterr().out


def test_plot_linear_stages_tool(tmp_path, monkeypatch, capsys):
    run = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    run.mkdir(parents=True)
    (run / 'scalars.json').write_text(
        json.dumps({
            'multi-head/feature4_top1': 54.2,
            'step': 90
        }) + '\n')
    out = tmp_path / 'stages.png'
    printed = _run_tool([tmp_path / 'work', out], monkeypatch, capsys)
    assert f'top-1 per stage: feature4 54.20 -> {out}' in printed
    _png(out)
    (run / 'scalars.json').write_text(json.dumps({'loss': 1.0}) + '\n')
    with pytest.raises(SystemExit, match='logged no multi-head/<layer>_top1'):
        _run_tool([tmp_path / 'work', out], monkeypatch, capsys)
