# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The batched squared-hinge SVM solver against liblinear's ``LinearSVC``:
the same objective on random problems, the same protocol results (per-class
AP, chosen costs) on a VOC2007 devkit miniature."""
import numpy as np
import pytest
import torch
from sklearn.svm import LinearSVC

from mmselfsup_rot.downstream import (aggregate_low_shot, low_shot_svm,
                                      svm_benchmark)
from mmselfsup_rot.downstream.batched_svm import (augmented_gram, nystrom,
                                                  solve_cost_path,
                                                  solve_squared_hinge)
from mmselfsup_rot.downstream.extract import _labels_of
from mmselfsup_rot.downstream.svm import cv_splits, make_svm
from tests.conftest import voc_pixel_features

COSTS = (0.01, 1.0, 100.0, 1000.0)


def _problem(seed, num=70, dim=12):
    """Overlapping classes, positives weighted 2, some rows ignored."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(num) < 0.3, 1., -1.)
    x = rng.normal(0, 1, (num, dim)) + 0.8 * y[:, None] * (np.arange(dim) < 3)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ignored = rng.random(num) < 0.15
    return x, y, ignored


def _primal(x, y, cost, coef, intercept):
    """liblinear's objective with the intercept regularised."""
    margin = 1 - y * (x @ coef + intercept)
    weight = np.where(y > 0, 2. * cost, cost)
    return 0.5 * (coef @ coef + intercept**2) + np.sum(
        weight * np.maximum(margin, 0)**2)


@pytest.mark.parametrize('method', ['cg', 'direct'])
def test_objective_equals_liblinear(method):
    for seed in range(2):
        x, y, ignored = _problem(seed)
        keep = ~ignored
        gram = augmented_gram(torch.from_numpy(x))
        labels = torch.from_numpy(np.where(keep, y,
                                           0.))[:, None].repeat(1, len(COSTS))
        weights = torch.where(labels > 0, 2., labels.abs())
        costs = weights * torch.tensor(COSTS, dtype=torch.float64)
        res = solve_squared_hinge(
            gram, labels, costs, tol=1e-10, method=method, rank=16)
        assert bool(res.converged.all())
        for col, cost in enumerate(COSTS):
            clf = LinearSVC(
                C=cost, class_weight={
                    1: 2,
                    -1: 1
                }, tol=1e-8, max_iter=10**6).fit(x[keep], y[keep])
            ref = _primal(x[keep], y[keep], cost, clf.coef_[0],
                          clf.intercept_[0])
            ours = float(res.objective[col])
            assert ours == pytest.approx(ref, rel=1e-6)
            # the objective as liblinear's formula computes it from w, b
            beta = res.coef[:, col].numpy()
            assert _primal(x[keep], y[keep], cost, x.T @ beta,
                           beta.sum()) == pytest.approx(
                               ours, rel=1e-10)
            # and the same classifier
            np.testing.assert_allclose(
                res.scores[:, col].numpy(),
                clf.decision_function(x),
                atol=1e-3 * np.abs(clf.decision_function(x)).max())
            assert float(res.gap[col]) <= 1e-10
            assert (res.coef[ignored, col] == 0).all()


def test_cost_path_and_methods_agree():
    x, y, ignored = _problem(3, num=120)
    gram = augmented_gram(torch.from_numpy(x))
    labels = torch.from_numpy(np.where(ignored, 0., y))[:, None]
    weights = torch.where(labels > 0, 2., labels.abs())
    path = solve_cost_path(gram, labels, weights, (1., 10., 100.), tol=1e-10)
    for cost, res in zip((1., 10., 100.), path):
        for method in ('cg', 'direct'):
            cold = solve_squared_hinge(
                gram, labels, cost * weights, tol=1e-10, method=method)
            assert float(cold.objective[0]) == pytest.approx(
                float(res.objective[0]), rel=1e-9)


def _relu_problem(seed=0, num=600, dim=900, classes=4):
    """Non-negative, correlated features (as a ReLU network's): one
    dominant Gram eigenvalue, a long tail; four label columns."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(0, 1, (num, 24))
    x = np.maximum(
        latent @ rng.normal(0, 1, (24, dim)) + rng.normal(0, 2, (num, dim)), 0)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, np.where(latent[:, :classes] > 1.0, 1., -1.)


def test_cg_path_converges_on_relu_like_features():
    # a CG stop on the plain residual |r| ended Newton steps too early on
    # such features: warm-started costs 10 and 100 stalled at gaps of
    # 17 and 3.6e3 after 30 iterations; the preconditioned residual
    # stop converges in a few
    x, y = _relu_problem()
    gram = augmented_gram(torch.from_numpy(x))
    labels = torch.from_numpy(y)
    weights = torch.where(labels > 0, 2., 1.)
    path = solve_cost_path(
        gram,
        labels,
        weights, (1., 10., 100.),
        method='cg',
        rank=16,
        max_iter=30)
    for cost, res in zip((1., 10., 100.), path):
        assert bool(res.converged.all()) and float(res.gap.max()) <= 1e-6
        assert int(res.iterations.max()) <= 10
        exact = solve_squared_hinge(
            gram, labels, cost * weights, tol=1e-10, method='direct')
        np.testing.assert_allclose(
            res.objective.numpy(), exact.objective.numpy(), rtol=2e-6)


def test_iteration_limit_is_reported_and_bad_input_is_clear():
    x, y, _ = _problem(4)
    gram = augmented_gram(torch.from_numpy(x))
    labels = torch.from_numpy(y)[:, None]
    res = solve_squared_hinge(
        gram, labels, 100. * labels.abs(), tol=1e-14, max_iter=1)
    assert not bool(res.converged[0]) and int(res.iterations[0]) == 1
    assert float(res.gap[0]) > 1e-14
    with pytest.raises(ValueError, match='positive on every training row'):
        solve_squared_hinge(gram, labels, 0 * labels)
    with pytest.raises(ValueError, match='do not match'):
        solve_squared_hinge(gram[:5, :5], labels, labels.abs())
    with pytest.raises(ValueError, match='Unknown method'):
        solve_squared_hinge(gram, labels, labels.abs(), method='lbfgs')


def test_nystrom_is_below_the_gram_matrix():
    x, _, _ = _problem(5, num=50, dim=30)
    gram = augmented_gram(torch.from_numpy(x))
    factor = nystrom(gram, 10)
    approx = factor.basis @ torch.diag(factor.eigvals) @ factor.basis.T
    assert torch.linalg.eigvalsh(gram - approx).min() > -1e-8
    np.testing.assert_allclose(
        factor.residual_diag.numpy(), (gram - approx).diagonal().numpy(),
        atol=1e-8)


@pytest.fixture(scope='module')
def voc_features(tmp_path_factory):
    """Pixels (12 x 12, plus noise) and 1/0/-1 targets of a VOC2007
    miniature, read through mmpretrain's ``VOC`` dataset."""
    splits = voc_pixel_features(
        str(tmp_path_factory.mktemp('voc')), ['cat', 'dog', 'car'],
        images_per_split=36,
        side=12,
        noise=0.6)
    out = {}
    for split, (pixels, data) in splits.items():
        targets, label_format = _labels_of(data)
        assert label_format == 'voc' and (targets == -1).any()
        out[split] = (pixels, targets)
    return out


def test_voc_protocol_batched_equals_liblinear(voc_features):
    (train, train_t), (test, test_t) = (voc_features['trainval'],
                                        voc_features['test'])
    ref = svm_benchmark(
        train, train_t, test, test_t, n_jobs=1, solver='liblinear')
    ours = svm_benchmark(train, train_t, test, test_t, solver='batched')
    assert ours['costs'] == ref['costs']
    np.testing.assert_allclose(ours['ap'], ref['ap'], atol=0.1)
    np.testing.assert_allclose(ours['cv_ap'], ref['cv_ap'], atol=1e-3)
    assert 20 < ref['mAP'] < 100  # neither trivial nor chance
    assert ours['fits'] == ref['fits'] == 3 * (3 * 3 + 1)
    assert ours['unconverged_count'] == 0 and ours['unconverged'] == []
    assert ours['max_relative_gap'] <= 1e-6
    assert ref['solver'] == 'liblinear' and ours['solver'] == 'batched'


def test_liblinear_cv_folds_are_cross_val_scores():
    from sklearn.model_selection import cross_val_score
    x, y, _ = _problem(6, num=60)
    y = y.astype(int)
    splits = cv_splits(y, 3)
    explicit = [
        make_svm(1.).fit(x[tr], y[tr]).decision_function(x[va])
        for tr, va in splits
    ]
    from sklearn.metrics import average_precision_score
    ours = np.mean([
        average_precision_score(y[va], s)
        for (_, va), s in zip(splits, explicit)
    ])
    assert ours == cross_val_score(
        make_svm(1.), x, y, cv=3, scoring='average_precision').mean()


def test_low_shot_batched_equals_liblinear(voc_features):
    (train, train_t), (test, test_t) = (voc_features['trainval'],
                                        voc_features['test'])
    kwargs = dict(
        k_values=(1, 2, 4),
        num_samples=2,
        costs=(1., 10., 100.),
        cost_selection='cv')
    ref_rec, ours_rec = {}, {}
    ref = low_shot_svm(
        train,
        train_t,
        test,
        test_t,
        n_jobs=1,
        solver='liblinear',
        record=ref_rec,
        **kwargs)
    ours = low_shot_svm(
        train, train_t, test, test_t, record=ours_rec, **kwargs)
    np.testing.assert_allclose(100 * ours, 100 * ref, atol=0.1)
    assert np.isnan(ours_rec['cv_ap'][:, 0]).all()
    np.testing.assert_allclose(
        ours_rec['cv_ap'][:, 1:], ref_rec['cv_ap'][:, 1:], atol=1e-3)
    rows = {
        name: aggregate_low_shot(aps, (1, 2, 4), (1., 10., 100.), rec['cv_ap'])
        for name, aps, rec in (('ours', ours, ours_rec), ('ref', ref, ref_rec))
    }
    for mine, theirs in zip(rows['ours'], rows['ref']):
        assert mine['cost'] == theirs['cost']
        assert mine['cost_selected_on'] == 'test'
        assert mine['mean'] == pytest.approx(theirs['mean'], abs=0.1)
        if mine['k'] == 1:
            assert mine['cv'] is None and theirs['cv'] is None
        else:
            assert mine['cv']['cost_counts'] == theirs['cv']['cost_counts']
            assert mine['cv']['cost_selected_on'] == 'cv'
    # 2 samples x 3 costs x 3 classes = 18 per k; CV adds 2 folds at k=2
    # (2 positives) and 3 at k=4
    assert ref_rec['fits'] == ours_rec['fits'] == 18 + 18 * 3 + 18 * 4
    assert ours_rec['unconverged_count'] == 0


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a CPU-only torch')
def test_missing_cuda_device_is_a_clear_error():
    x, y, _ = _problem(7, num=20)
    targets = (y[:, None] > 0).astype(np.int64)
    targets = np.hstack([targets, 1 - targets])
    with pytest.raises(ValueError, match='no CUDA device'):
        svm_benchmark(x, targets, x, targets, device='cuda')
    with pytest.raises(ValueError, match='no CUDA device'):
        low_shot_svm(x, targets, x, targets, k_values=(1, ), device='cuda')
    with pytest.raises(ValueError, match='Unknown SVM solver'):
        svm_benchmark(x, targets, x, targets, solver='sgd')
