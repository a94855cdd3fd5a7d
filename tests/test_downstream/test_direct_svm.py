# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The batched direct solver: a stack of Gram matrices with several label
columns each gives the SVMs of the single-problem solver and of
liblinear, with or without mixed-precision Newton points."""
import numpy as np
import pytest
import torch
from sklearn.svm import LinearSVC

from mmselfsup_rot.downstream import direct_svm
from mmselfsup_rot.downstream.batched_svm import (augmented_gram,
                                                  solve_squared_hinge)
from mmselfsup_rot.downstream.direct_svm import (solve_direct,
                                                 solve_direct_cost_path)
from mmselfsup_rot.downstream.low_shot import sub_grams


def _stack(seed, batch=3, rows=40, dim=30):
    """``batch`` problems of ``rows`` rows; column 0 trains on all rows,
    column 1 leaves out a third (a CV fold)."""
    rng = np.random.default_rng(seed)
    xs, labels = [], []
    for _ in range(batch):
        y = np.where(rng.random(rows) < 0.3, 1., -1.)
        y[:2] = (1., -1.)
        x = rng.normal(0, 1, (rows, dim)) + 0.7 * y[:, None] * (
            np.arange(dim) < 4)
        xs.append(x / np.linalg.norm(x, axis=1, keepdims=True))
        lab = np.stack([y, np.where(np.arange(rows) % 3 == 2, 0., y)], 1)
        labels.append(lab)
    grams = torch.stack([augmented_gram(torch.from_numpy(x)) for x in xs])
    labels = torch.from_numpy(np.stack(labels))
    weights = torch.where(labels > 0, 2., labels.abs())
    return xs, grams, labels, weights


@pytest.mark.parametrize('refine', [0, 2])
def test_stack_equals_single_problems_and_liblinear(monkeypatch, refine):
    monkeypatch.setattr(direct_svm, 'REFINE', refine)
    xs, grams, labels, weights = _stack(0)
    path = solve_direct_cost_path(
        grams, labels, weights, (0.1, 10., 1000.), tol=1e-10)
    for cost, res in zip((0.1, 10., 1000.), path):
        assert res.coef.shape == labels.shape
        assert res.objective.shape == (3, 2)
        assert bool(res.converged.all()) and float(res.gap.max()) <= 1e-10
        for b, x in enumerate(xs):
            single = solve_squared_hinge(
                grams[b],
                labels[b],
                cost * weights[b],
                tol=1e-10,
                method='direct')
            np.testing.assert_allclose(
                res.objective[b].numpy(), single.objective.numpy(), rtol=1e-9)
            keep = labels[b, :, 1].numpy() != 0
            y = labels[b, keep, 1].numpy()
            clf = LinearSVC(
                C=cost, class_weight={
                    1: 2,
                    -1: 1
                }, tol=1e-10, max_iter=10**6).fit(x[keep], y)
            beta = res.coef[b, :, 1].numpy()
            assert (beta[~keep] == 0).all()
            # held-out rows get scores too: those of liblinear's SVM
            np.testing.assert_allclose(
                res.scores[b, :, 1].numpy(),
                clf.decision_function(x),
                atol=1e-4 * np.abs(clf.decision_function(x)).max())


def test_float32_factor_falls_back_to_float64(monkeypatch):
    # one well-conditioned system and one (condition 1e10) that float32
    # cannot factorise usefully: only the second is factorised again in
    # float64, and both solutions are float64-accurate
    rng = np.random.default_rng(1)
    basis = torch.linalg.qr(torch.from_numpy(rng.normal(0, 1, (2, 50, 50)))).Q
    spectra = torch.stack([
        torch.linspace(1, 10, 50, dtype=torch.float64),
        torch.logspace(-10, 0, 50, dtype=torch.float64)
    ])
    systems = basis @ torch.diag_embed(spectra) @ basis.mT
    systems = (systems + systems.mT) / 2
    rhs = torch.from_numpy(rng.normal(0, 1, (2, 50, 1)))
    fallbacks = []
    factorise = direct_svm._cholesky

    def counted(system):
        fallbacks.append(len(system))
        return factorise(system)

    monkeypatch.setattr(direct_svm, '_cholesky', counted)
    solution = direct_svm._solve_spd(systems, rhs)
    assert fallbacks == [1]
    exact = torch.linalg.solve(systems, rhs)
    for b, cond in ((0, 10.), (1, 1e10)):
        error = (solution[b] - exact[b]).norm() / exact[b].norm()
        assert float(error) < cond * 1e-14


def test_sub_grams_are_the_rows_of_the_gram_matrix():
    gram = torch.arange(36, dtype=torch.float64).reshape(6, 6)
    rows = torch.tensor([[0, 2, 5], [1, 3, 4]])
    out = sub_grams(gram, rows)
    for b in range(2):
        assert torch.equal(out[b], gram[rows[b]][:, rows[b]])


def test_bad_input_is_clear():
    _, grams, labels, weights = _stack(2, batch=2)
    with pytest.raises(ValueError, match='do not match'):
        solve_direct(grams[:1], labels, weights)
    with pytest.raises(ValueError, match='positive on every training row'):
        solve_direct(grams, labels, 0 * weights)
    with pytest.raises(ValueError, match='NaN or infinite'):
        bad = grams.clone()
        bad[0, 0, 0] = float('nan')
        solve_direct(bad, labels, weights)
