# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from mmselfsup_rot.downstream import (aggregate_low_shot, low_shot_svm,
                                      sample_low_shot_targets, svm_benchmark,
                                      voc_average_precision)


def _voc_problem(rng, num=60, num_classes=3, dim=8, separable=True):
    """Multi-label targets (1/0, some -1) and features: with ``separable``,
    feature c is large iff class c is present."""
    targets = (rng.random((num, num_classes)) < 0.4).astype(np.int64)
    targets[np.arange(num), rng.integers(0, num_classes, num)] = 1
    feats = rng.normal(0, 0.1, (num, dim))
    if separable:
        feats[:, :num_classes] += 3 * targets
    targets[rng.random((num, num_classes)) < 0.05] = -1  # "difficult"
    return feats, targets


def test_voc_ap_matches_hand_computed_values():
    assert voc_average_precision([1, 0, 0], [3., 2., 1.]) == 1.0
    # ranks: +, -, + -> precisions 1 and 2/3 at the two recalls
    assert voc_average_precision([1, 0, 1], [3., 2., 1.]) == pytest.approx(
        (1 + 2 / 3) / 2)
    # the envelope lifts the precision at recall 1/2 to 2/3
    assert voc_average_precision([0, 1, 1],
                                 [3., 2., 1.]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match='positive'):
        voc_average_precision([0, 0], [1., 2.])


def test_voc_ap_is_sklearn_ap_without_ties():
    rng = np.random.default_rng(0)
    labels = rng.random(50) < 0.3
    scores = rng.random(50)
    envelope = voc_average_precision(labels, scores)
    assert envelope >= average_precision_score(labels, scores) - 1e-12


def test_separable_features_give_map_100():
    feats, targets = _voc_problem(np.random.default_rng(0))
    res = svm_benchmark(
        feats[:40], targets[:40], feats[40:], targets[40:], n_jobs=1)
    assert res['mAP'] == pytest.approx(100.0)
    assert len(res['ap']) == 3 and all(
        c in (1., 10., 100.) for c in res['costs'])
    assert np.array(res['cv_ap']).shape == (3, 3)


def test_shuffled_labels_give_chance_map():
    rng = np.random.default_rng(1)
    feats, targets = _voc_problem(rng, num=400, dim=32, separable=False)
    train_t = targets[:200][rng.permutation(200)]
    res = svm_benchmark(
        feats[:200], train_t, feats[200:], targets[200:], n_jobs=1)
    # chance AP equals the positive rate of each class on test
    test = targets[200:]
    chance = 100 * np.mean([(test[:, c] == 1).sum() / (test[:, c] != -1).sum()
                            for c in range(3)])
    assert abs(res['mAP'] - chance) < 12
    assert res['mAP'] < 80


def test_low_shot_sampling_follows_protocol():
    _, targets = _voc_problem(np.random.default_rng(2), num=80)
    out = sample_low_shot_targets(targets, 2, np.random.default_rng(0))
    for cls in range(3):
        assert (out[:, cls] == 1).sum() == 2
        assert (out[:, cls] == 0).sum() == 4  # (C - 1) * k
        chosen = out[:, cls] != -1
        assert np.array_equal(out[chosen, cls], targets[chosen, cls])
    with pytest.raises(ValueError, match='positive training images'):
        sample_low_shot_targets(targets, 1000, np.random.default_rng(0))


def test_low_shot_svm_and_aggregation():
    feats, targets = _voc_problem(np.random.default_rng(3), num=80)
    aps = low_shot_svm(
        feats[:50],
        targets[:50],
        feats[50:],
        targets[50:],
        k_values=(1, 2),
        num_samples=2,
        costs=(1., 10.),
        n_jobs=1)
    assert aps.shape == (2, 2, 2, 3)
    rows = aggregate_low_shot(aps, (1, 2), (1., 10.))
    assert [r['k'] for r in rows] == [1, 2]
    # separable features: two positives per class almost suffice
    assert rows[1]['mean'] > 95
    manual = 100 * aps.mean(3)[:, 0]  # k=1: (samples, costs)
    best = manual.mean(0).argmax()
    assert rows[0]['mean'] == pytest.approx(manual[:, best].mean())
    assert rows[0]['min'] <= rows[0]['mean'] <= rows[0]['max']
