# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""VOC07 low-shot SVM (the FAIR / mmselfsup protocol).

For each k and each of several independent samples, every class keeps k
random positive and (C - 1) * k random negative training images (the rest
are ignored). One SVM per class and cost is trained and tested on the full
test set. As in the FAIR, VISSL and mmselfsup code, the reported cost is
the one with the best mean mAP over samples **on the test set**
(``cost_selected_on: test``), and mean/min/max/std over samples are given at
that cost. The alternative, ``cost_selection='cv'``, chooses each class's
cost by cross-validated AP on its own low-shot training sample (k >= 2;
folds as the full protocol's, at most k) and reports the test mAP at those
costs next to the test-selected one.

Solvers: ``'batched'`` (default; every sample, class and cost of one k
solved together from the Gram matrix of the layer, see
:mod:`mmselfsup_rot.downstream.batched_svm`) or ``'liblinear'`` (the
reference, one ``LinearSVC`` per fit in joblib workers).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from sklearn.metrics import average_precision_score

from mmselfsup_rot.utils.progress import parallel_map, track
from .batched_svm import augmented_gram
from .direct_svm import solve_direct_cost_path
from .svm import (DEFAULT_COSTS, POSITIVE_WEIGHT, SOLVERS, check_device,
                  class_samples, convergence_record, cv_splits,
                  decision_values, fit_liblinear, l2_normalize,
                  voc_average_precision)

K_VALUES = (1, 2, 4, 8, 16, 32, 64, 96)


def sample_low_shot_targets(targets: np.ndarray, k: int,
                            rng: np.random.Generator) -> np.ndarray:
    """One low-shot sample of VOC ``targets`` ``(N, C)`` (1/0/-1).

    Returns:
        np.ndarray: Targets with k positives and (C - 1) * k negatives per
        class, every other entry -1 (ignored).
    """
    num_classes = targets.shape[1]
    out = np.full(targets.shape, -1, dtype=np.int64)
    for cls in range(num_classes):
        for value, count in ((1, k), (0, (num_classes - 1) * k)):
            pool = np.flatnonzero(targets[:, cls] == value)
            if len(pool) < count:
                kind = 'positive' if value == 1 else 'negative'
                raise ValueError(
                    f'Low-shot k={k}: class {cls} has {len(pool)} {kind} '
                    f'training images, {count} needed.')
            out[rng.choice(pool, count, replace=False), cls] = value
    return out


def _fit_test(train_x, sample_t, test_x, test_t, cls, cost, folds):
    """Test AP of one liblinear fit, its convergence and, with ``folds``,
    the cross-validated AP on the low-shot sample (NaN if not run)."""
    x, y = class_samples(train_x, sample_t, cls)
    clf, ok = fit_liblinear(cost, x, y)
    tx, ty = class_samples(test_x, test_t, cls)
    ap = voc_average_precision(ty, clf.decision_function(tx))
    cv_ap, fits = float('nan'), 1
    if folds:
        fold_aps = []
        for tr, va in cv_splits(y, folds, cls):
            fits += 1
            fold_clf, fold_ok = fit_liblinear(cost, x[tr], y[tr])
            ok = ok and fold_ok
            fold_aps.append(
                average_precision_score(y[va],
                                        fold_clf.decision_function(x[va])))
        cv_ap = float(np.mean(fold_aps))
    return ap, cv_ap, ok, fits


# bytes of the per-problem Gram matrices gathered at once
GRAM_BYTES = 64 * 2**20


def sub_grams(gram: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """``(B, m, m)`` Gram matrices of the ``(B, m)`` row sets (sorted rows
    keep the gather local; one problem's index at a time keeps the index
    as small as one matrix, not the whole stack)."""
    num, flat = gram.shape[0], gram.reshape(-1)
    out = gram.new_empty(rows.shape + rows.shape[-1:])
    for b, index in enumerate(rows):
        out[b] = flat.take(index[:, None] * num + index)
    return out


def _batched_k(gram, x, test_x, test_t, samples, costs, folds, tol):
    """Test APs (and CV APs) of every sample, class and cost of one k.

    Every (sample, class) problem has the same number of rows (k
    positives, (C - 1) k negatives), so their Gram matrices stack; the
    problems are solved in chunks by the direct batched solver, the costs
    as a path (each started from the previous), the final fit and the CV
    folds as columns of the same Gram matrix.

    Returns:
        tuple: ``(S, costs, C)`` test APs and CV APs (NaN without folds),
        the solver results and the names of their columns.
    """
    num_samples, num_classes = len(samples), samples[0].shape[1]
    problems = [(s, cls) for s in range(num_samples)
                for cls in range(num_classes)]
    rows, labels, splits = [], [], []
    for s, cls in problems:
        keep = np.flatnonzero(samples[s][:, cls] != -1)
        lab = np.where(samples[s][keep, cls] > 0, 1., -1.)
        rows.append(keep)
        labels.append(lab)
        splits.append(cv_splits(lab, folds, cls) if folds else [])
    num_rows = len(rows[0])
    num_cols = 1 + len(splits[0])
    columns = np.zeros((len(problems), num_rows, num_cols))
    for i, (lab, split) in enumerate(zip(labels, splits)):
        columns[i, :, 0] = lab
        for f, (tr, _) in enumerate(split):
            columns[i, tr, f + 1] = lab[tr]
    weights = np.where(columns > 0, POSITIVE_WEIGHT, np.abs(columns))
    coefs = torch.zeros(len(gram), len(costs), len(problems)).to(gram)
    cv_ap = np.full((num_samples, len(costs), num_classes), np.nan)
    results, names = [], []
    chunk = max(1, GRAM_BYTES // (8 * num_rows**2))
    for start in range(0, len(problems), chunk):
        part = slice(start, start + chunk)
        index = torch.from_numpy(np.stack(rows[part])).to(gram.device)
        path = solve_direct_cost_path(
            sub_grams(gram, index),
            torch.from_numpy(columns[part]).to(gram),
            torch.from_numpy(weights[part]).to(gram),
            costs,
            tol=tol)
        for ci, res in enumerate(path):
            results.append(res)
            scores = res.scores.cpu().numpy()
            for j, (s, cls) in enumerate(problems[part]):
                i = start + j
                coefs[index[j], ci, i] = res.coef[j, :, 0]
                names += [
                    dict(sample=s, cls=cls, cost=costs[ci], fold='final')
                ]
                names += [
                    dict(sample=s, cls=cls, cost=costs[ci], fold=f)
                    for f in range(len(splits[i]))
                ]
                if splits[i]:
                    cv_ap[s, ci, cls] = np.mean([
                        average_precision_score(labels[i][va] > 0,
                                                scores[j, va, f + 1])
                        for f, (_, va) in enumerate(splits[i])
                    ])
    test = decision_values(x, coefs.flatten(1), test_x).cpu().numpy()
    test = test.reshape(len(test), len(costs), len(problems))
    aps = np.zeros((num_samples, len(costs), num_classes))
    for i, (s, cls) in enumerate(problems):
        kept = test_t[:, cls] != -1
        for ci in range(len(costs)):
            aps[s, ci, cls] = voc_average_precision(test_t[kept, cls] > 0,
                                                    test[kept, ci, i])
    return aps, cv_ap, results, names


def low_shot_svm(train_features: np.ndarray,
                 train_targets: np.ndarray,
                 test_features: np.ndarray,
                 test_targets: np.ndarray,
                 k_values: Sequence[int] = K_VALUES,
                 num_samples: int = 5,
                 costs: Sequence[float] = DEFAULT_COSTS,
                 seed: int = 0,
                 n_jobs: int = -1,
                 progress: bool = False,
                 solver: str = 'batched',
                 device: str = 'cpu',
                 tol: float = 1e-6,
                 cost_selection: str = 'test',
                 record: Optional[dict] = None) -> np.ndarray:
    """Test APs of every (sample, k, cost, class) SVM.

    Args:
        train_features, test_features (np.ndarray): ``(N, D)`` features.
        train_targets, test_targets (np.ndarray): ``(N, C)`` with 1/0/-1.
        k_values (Sequence[int]): Positives per class of each setting.
        num_samples (int): Independent samples per k.
        costs (Sequence[float]): SVM costs.
        seed (int): Seed of the samples.
        n_jobs (int): joblib workers of the liblinear solver; -1 uses all
            cores.
        progress (bool): Draw a progress bar over the fits (rank 0).
        solver (str): ``'batched'`` (default) or ``'liblinear'``.
        device (str): Device of the batched solver.
        tol (float): Relative duality gap of the batched solver.
        cost_selection (str): ``'test'`` (the published protocol) or
            ``'cv'``: also cross-validate every fit on its low-shot sample
            (k >= 2), for :func:`aggregate_low_shot`'s ``cv_ap``.
        record (dict, optional): Filled with the solver's record:
            ``solver``, ``fits``, ``unconverged``, ``unconverged_count``
            (and, batched, ``max_relative_gap``...) and, with
            ``cost_selection='cv'``, ``cv_ap`` (the array of CV APs, NaN
            for k = 1).

    Returns:
        np.ndarray: ``(num_samples, len(k_values), len(costs),
        num_classes)`` APs in [0, 1].
    """
    if solver not in SOLVERS:
        raise ValueError(f'Unknown SVM solver "{solver}"; choose from '
                         f'{SOLVERS}.')
    if cost_selection not in ('test', 'cv'):
        raise ValueError(f'Unknown low-shot cost selection '
                         f'"{cost_selection}"; choose "test" or "cv".')
    costs = [float(c) for c in costs]
    rng = np.random.default_rng(seed)
    samples = [[
        sample_low_shot_targets(train_targets, k, rng) for k in k_values
    ] for _ in range(num_samples)]
    train_x, test_x = l2_normalize(train_features), l2_normalize(test_features)
    num_classes = train_targets.shape[1]
    shape = (num_samples, len(k_values), len(costs), num_classes)
    aps, cv_aps = np.zeros(shape), np.full(shape, np.nan)
    folds_of = {
        k: (3 if cost_selection == 'cv' and k >= 2 else 0)
        for k in k_values
    }
    desc = (f'low-shot SVM: {int(np.prod(shape))} fits ({num_samples} '
            f'samples x {len(k_values)} k x {len(costs)} costs x '
            f'{num_classes} classes, {solver})')
    if solver == 'batched':
        dtype = torch.float64  # liblinear's precision, on every device
        x = torch.from_numpy(train_x).to(check_device(device), dtype)
        tx = torch.from_numpy(test_x).to(x.device, dtype)
        gram = augmented_gram(x)
        results, names = [], []
        per_k = num_samples * len(costs) * num_classes
        for ki in track(
                range(len(k_values)),
                len(k_values) * per_k,
                desc,
                progress,
                weight=lambda _: per_k):
            k_aps, k_cv, res, k_names = _batched_k(gram, x, tx, test_targets,
                                                   [s[ki]
                                                    for s in samples], costs,
                                                   folds_of[k_values[ki]], tol)
            aps[:, ki], cv_aps[:, ki] = k_aps, k_cv
            results += res
            names += [dict(k=int(k_values[ki]), **n) for n in k_names]
        info = dict(
            solver=solver, device=device, **convergence_record(results, names))
    else:
        jobs = [(s, ki, ci, cls) for s in range(num_samples)
                for ki in range(len(k_values)) for ci in range(len(costs))
                for cls in range(num_classes)]
        out = parallel_map(
            _fit_test, [(train_x, samples[s][ki], test_x, test_targets, cls,
                         costs[ci], folds_of[k_values[ki]])
                        for s, ki, ci, cls in jobs],
            n_jobs,
            desc=desc,
            enabled=progress)
        unconverged = []
        for (s, ki, ci, cls), (ap, cv_ap, ok, _) in zip(jobs, out):
            aps[s, ki, ci, cls], cv_aps[s, ki, ci, cls] = ap, cv_ap
            if not ok:
                unconverged.append(
                    dict(
                        sample=s, k=int(k_values[ki]), cls=cls,
                        cost=costs[ci]))
        info = dict(
            solver=solver,
            fits=sum(res[3] for res in out),
            unconverged=unconverged,
            unconverged_count=len(unconverged))
    if record is not None:
        record.update(info)
        if cost_selection == 'cv':
            record['cv_ap'] = cv_aps
    return aps


def _stats(per_sample: np.ndarray) -> Dict[str, float]:
    return dict(
        mean=float(per_sample.mean()),
        min=float(per_sample.min()),
        max=float(per_sample.max()),
        std=float(per_sample.std()))


def aggregate_low_shot(
        aps: np.ndarray,
        k_values: Sequence[int],
        costs: Sequence[float],
        cv_ap: Optional[np.ndarray] = None) -> List[Dict[str, object]]:
    """mAP statistics per k at the cost with the best mean over samples
    (chosen on the test set, as published).

    Args:
        aps (np.ndarray): Output of :func:`low_shot_svm`.
        k_values (Sequence[int]): The k of each setting.
        costs (Sequence[float]): The costs.
        cv_ap (np.ndarray, optional): Cross-validated APs of the same
            shape (``record['cv_ap']`` of :func:`low_shot_svm` with
            ``cost_selection='cv'``): adds ``cv`` to each row (None where
            k = 1).

    Returns:
        list[dict]: Per k: ``k``, ``cost``, ``mean``, ``min``, ``max``,
        ``std`` (percent), ``cost_selected_on`` (``'test'``) and, with
        ``cv_ap``, ``cv``: ``mean``/``min``/``max``/``std`` of the test
        mAP at each class's cross-validated cost, ``cost_counts`` (how often
        each cost was chosen) and ``cost_selected_on`` (``'cv'``).
    """
    maps = 100. * aps.mean(axis=3)  # (samples, k, costs)
    rows = []
    for ki, k in enumerate(k_values):
        best = int(np.argmax(maps[:, ki].mean(axis=0)))
        row = dict(
            k=int(k),
            cost=float(costs[best]),
            **_stats(maps[:, ki, best]),
            cost_selected_on='test')
        if cv_ap is not None:
            row['cv'] = None
            if not np.isnan(cv_ap[:, ki]).any():
                chosen = cv_ap[:, ki].argmax(axis=1)  # (samples, classes)
                test_at = np.take_along_axis(aps[:, ki], chosen[:, None], 1)[:,
                                                                             0]
                row['cv'] = dict(
                    **_stats(100. * test_at.mean(axis=1)),
                    cost_counts={
                        str(float(c)): int((chosen == i).sum())
                        for i, c in enumerate(costs)
                    },
                    cost_selected_on='cv')
        rows.append(row)
    return rows
