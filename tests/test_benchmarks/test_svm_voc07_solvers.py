# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""tools/benchmarks/svm_voc07.py on saved VOC2007-miniature features: the
batched solver (default) with the low-shot costs chosen both on the test
set (published protocol) and by cross-validation, recorded in the JSON."""
import json
import os.path as osp

import pytest

from mmselfsup_rot.downstream import save_features
from tests.conftest import REPO, run_tool, voc_pixel_features

pytestmark = pytest.mark.slow
CLASSES = ['cat', 'dog', 'car']


def test_svm_tool_solvers_and_low_shot_cost_selection(tmp_path):
    feats = tmp_path / 'features'
    splits = voc_pixel_features(
        str(tmp_path), CLASSES, images_per_split=24, side=8, noise=0.5)
    for split, (pixels, data) in splits.items():
        save_features(
            str(feats), split, {'pixels': pixels}, data,
            dict(checkpoint='random'))
    proc = run_tool([
        'python',
        osp.join(REPO, 'tools', 'benchmarks', 'svm_voc07.py'),
        str(feats), '--low-shot', '--k-values', '1', '2', '--num-samples', '2',
        '--low-shot-cost-selection', 'cv'
    ])
    out = proc.stdout
    assert 'VOC07 SVM (batched solver):' in out
    assert 'cost selected on the test set' in out
    assert 'cross-validation on each low-shot sample' in out
    assert '| pixels | n/a |' in out  # k=1 cannot be cross-validated
    assert '0 of 30 fits hit their iteration limit' in out
    res = json.loads((feats / 'svm_results.json').read_text())['pixels']
    assert res['solver'] == 'batched' and res['device'] == 'cpu'
    assert res['fits'] == 30 and res['unconverged'] == []
    assert res['max_relative_gap'] <= 1e-6
    # 2 samples x 2 k x 3 costs x 3 classes, k=2 adds 2 folds each
    assert res['low_shot_record']['fits'] == 36 + 18 * 2
    rows = json.loads((feats / 'low_shot_results.json').read_text())['pixels']
    assert [r['k'] for r in rows] == [1, 2]
    assert all(r['cost_selected_on'] == 'test' for r in rows)
    assert rows[0]['cv'] is None
    assert rows[1]['cv']['cost_selected_on'] == 'cv'
    assert sum(rows[1]['cv']['cost_counts'].values()) == 2 * 3
    assert f'| pixels | {rows[0]["mean"]:.2f} | {rows[1]["mean"]:.2f} |' in out
