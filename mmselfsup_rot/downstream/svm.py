# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""VOC07 linear SVM classification on frozen features (the FAIR /
mmselfsup protocol).

Per class: a ``LinearSVC`` with ``class_weight={1: 2, -1: 1}``, its cost
chosen by 3-fold cross-validated average precision on trainval (the folds
of ``cross_val_score``: unshuffled ``StratifiedKFold``), then AP on test.
Images whose only instances of the class are "difficult" are left out of
training and evaluation.

Two solvers give the same SVMs: ``'batched'`` (default) solves every
class, cost and fold together from one Gram matrix of the layer
(:mod:`mmselfsup_rot.downstream.batched_svm`, CPU or CUDA); ``'liblinear'``
(the reference) fits scikit-learn's ``LinearSVC`` per class and cost in
joblib workers and records the fits that stop at ``max_iter``
unconverged.
"""
import warnings
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from mmselfsup_rot.utils.progress import parallel_map, track
from .batched_svm import (BatchedSVMResult, augmented_gram, nystrom,
                          solve_cost_path, solve_squared_hinge)

DEFAULT_COSTS = (1.0, 10.0, 100.0)
SOLVERS = ('batched', 'liblinear')
POSITIVE_WEIGHT = 2.0  # class_weight={1: 2, -1: 1}


def l2_normalize(features: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (as the protocol does before the SVM)."""
    # torch: multi-threaded; one float64 copy, divided in place
    features = torch.tensor(np.asarray(features), dtype=torch.float64)
    norms = torch.linalg.vector_norm(features, dim=1, keepdim=True)
    return features.div_(norms + 1e-5).numpy()


def make_svm(cost: float) -> LinearSVC:
    """The protocol's SVM: squared hinge, L2, positives weighted 2."""
    return LinearSVC(
        C=cost,
        class_weight={
            1: 2,
            -1: 1
        },
        loss='squared_hinge',
        penalty='l2',
        dual=True,
        tol=1e-4,
        max_iter=2000)


def voc_average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision as the VOC devkit (2010+) computes it: the area
    under the precision-recall curve made monotonically decreasing.

    Args:
        labels (np.ndarray): ``(N,)``; > 0 marks positives.
        scores (np.ndarray): ``(N,)`` classifier scores.

    Returns:
        float: AP in [0, 1].
    """
    labels = np.asarray(labels) > 0
    if not labels.any():
        raise ValueError('AP is undefined without positive samples.')
    order = np.argsort(-np.asarray(scores), kind='stable')
    tp = np.cumsum(labels[order])
    fp = np.cumsum(~labels[order])
    recall = np.concatenate([[0.], tp / labels.sum(), [1.]])
    precision = np.concatenate([[0.], tp / (tp + fp), [0.]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.flatnonzero(recall[1:] != recall[:-1]) + 1
    return float(
        np.sum((recall[steps] - recall[steps - 1]) * precision[steps]))


def class_samples(features: np.ndarray, targets: np.ndarray,
                  cls: int) -> tuple:
    """Features and +1/-1 labels of one class, without ignored images."""
    keep = targets[:, cls] != -1
    labels = np.where(targets[keep, cls] > 0, 1, -1)
    return features[keep], labels


def cv_splits(labels: np.ndarray,
              folds: int,
              cls: int = 0) -> List[Tuple[np.ndarray, np.ndarray]]:
    """The cross-validation folds ``cross_val_score(cv=folds)`` uses for a
    classifier: unshuffled ``StratifiedKFold``, capped by the smaller
    class.

    Args:
        labels (np.ndarray): ``(N,)`` +1/-1 labels.
        folds (int): Requested folds.
        cls (int): Class index, for the error message.

    Returns:
        list[tuple]: ``(train, validation)`` index arrays per fold.
    """
    pos, neg = int((labels == 1).sum()), int((labels == -1).sum())
    n_splits = min(folds, pos, neg)
    if n_splits < 2:
        raise ValueError(
            f'Class {cls} has {pos} positive and {neg} negative training '
            'images; the cost cross-validation needs at least 2 of each.')
    return list(StratifiedKFold(n_splits).split(np.zeros(len(labels)), labels))


def fit_liblinear(cost: float, x: np.ndarray,
                  y: np.ndarray) -> Tuple[LinearSVC, bool]:
    """Fit the protocol's ``LinearSVC``; returns it and whether liblinear
    converged (its ``ConvergenceWarning`` is caught, not printed)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', ConvergenceWarning)
        clf = make_svm(cost).fit(x, y)
    return clf, not any(
        issubclass(w.category, ConvergenceWarning) for w in caught)


def _fit_class(train_x, train_t, test_x, test_t, cls, costs, folds):
    x, y = class_samples(train_x, train_t, cls)
    splits = cv_splits(y, folds, cls)
    unconverged = []
    cv_aps = []
    for cost in costs:
        fold_aps = []
        for fold, (tr, va) in enumerate(splits):
            clf, ok = fit_liblinear(cost, x[tr], y[tr])
            if not ok:
                unconverged.append(dict(cls=cls, cost=cost, fold=fold))
            fold_aps.append(
                average_precision_score(y[va], clf.decision_function(x[va])))
        cv_aps.append(float(np.mean(fold_aps)))
    best = int(np.argmax(cv_aps))  # first of equals, as the protocol
    clf, ok = fit_liblinear(costs[best], x, y)
    if not ok:
        unconverged.append(dict(cls=cls, cost=costs[best], fold='final'))
    tx, ty = class_samples(test_x, test_t, cls)
    ap = voc_average_precision(ty, clf.decision_function(tx))
    return ap, costs[best], cv_aps, unconverged, len(costs) * len(splits) + 1


def problem_columns(targets: np.ndarray, cls: int, rows: np.ndarray,
                    cost: float) -> Tuple[np.ndarray, np.ndarray]:
    """Label and per-sample cost columns of one SVM over all Gram rows.

    Args:
        targets (np.ndarray): ``(N, C)`` 1/0/-1 targets.
        cls (int): Class.
        rows (np.ndarray): Indices of the training rows.
        cost (float): SVM cost ``C``.

    Returns:
        tuple: ``(N,)`` labels (+1/-1 on ``rows``, else 0) and ``(N,)``
        costs ``C * class_weight``.
    """
    labels = np.zeros(len(targets))
    labels[rows] = np.where(targets[rows, cls] > 0, 1., -1.)
    weights = np.where(labels > 0, POSITIVE_WEIGHT * cost, cost)
    return labels, np.where(labels != 0, weights, 0.)


def check_device(device: str) -> torch.device:
    """The batched solver's device, or a clear error if it is absent."""
    dev = torch.device(device)
    if dev.type == 'cuda' and not torch.cuda.is_available():
        raise ValueError(f'SVM device "{device}" requested, but torch sees '
                         'no CUDA device; use --device cpu.')
    return dev


def stack_columns(columns: Sequence[tuple],
                  device: torch.device) -> Tuple[torch.Tensor, ...]:
    """``(n, P)`` tensors of the ``(labels, costs)`` columns."""
    return tuple(
        torch.from_numpy(np.stack([c[i] for c in columns], 1)).to(device)
        for i in range(2))


def decision_values(train_x: torch.Tensor, coef: torch.Tensor,
                    test_x: torch.Tensor) -> torch.Tensor:
    """Scores ``x.w + b`` of test rows for kernel coefficients ``coef``
    (``w = X^T coef``, ``b = sum(coef)``: ``x~ = [x, 1]``)."""
    return test_x @ (train_x.T @ coef) + coef.sum(0)


def convergence_record(results: Sequence[BatchedSVMResult],
                       names: Sequence[dict]) -> dict:
    """The fields the result JSON adds for the batched solver."""
    converged = torch.cat([r.converged.reshape(-1) for r in results]).tolist()
    return dict(
        fits=len(converged),
        unconverged=[n for n, ok in zip(names, converged) if not ok],
        unconverged_count=int(len(converged) - sum(converged)),
        max_relative_gap=float(
            max(float(r.gap.max()) for r in results if r.gap.numel())),
        newton_iterations_max=int(
            max(
                int(r.iterations.max()) for r in results
                if r.iterations.numel())),
        cg_steps=int(sum(r.cg_iterations for r in results)))


def _batched_svm(train_x, train_t, test_x, test_t, costs, folds, device, tol,
                 progress):
    num_classes = train_t.shape[1]
    dtype = torch.float64  # liblinear's precision, on every device
    device = check_device(device)
    x = torch.from_numpy(train_x).to(device, dtype)
    gram = augmented_gram(x)
    factor = nystrom(gram, 128)
    keeps, splits = [], []
    for cls in range(num_classes):
        keep = np.flatnonzero(train_t[:, cls] != -1)
        keeps.append(keep)
        splits.append(
            cv_splits(np.where(train_t[keep, cls] > 0, 1, -1), folds, cls))
    # cross-validation: one column per class and fold, along the costs
    cv_cols, cv_names = [], []
    for cls in range(num_classes):
        for fold, (tr, _) in enumerate(splits[cls]):
            cv_cols.append(problem_columns(train_t, cls, keeps[cls][tr], 1.))
            cv_names.append(dict(cls=cls, fold=fold))
    phases = track(
        range(2),
        len(cv_cols) * len(costs) + num_classes,
        desc=f'SVM: {num_classes} classes x {len(costs)} costs x {folds} '
        'folds (batched solver)',
        enabled=progress,
        weight=lambda phase: len(cv_cols) * len(costs)
        if phase == 0 else num_classes)
    results, names = [], []
    for phase in phases:
        if phase == 0:
            labels, weights = stack_columns(cv_cols, gram.device)
            path = solve_cost_path(
                gram, labels, weights, costs, tol=tol, factor=factor)
            cv_aps = np.zeros((num_classes, len(costs)))
            for ci, res in enumerate(path):
                results.append(res)
                names += [dict(cost=costs[ci], **n) for n in cv_names]
                scores = res.scores.cpu().numpy()
                for col, name in enumerate(cv_names):
                    cls = name['cls']
                    va = keeps[cls][splits[cls][name['fold']][1]]
                    cv_aps[cls, ci] += average_precision_score(
                        train_t[va, cls] > 0, scores[va, col]) / len(
                            splits[cls])
            best = [costs[int(np.argmax(row))] for row in cv_aps]
        else:
            labels, weighted = stack_columns([
                problem_columns(train_t, cls, keeps[cls], best[cls])
                for cls in range(num_classes)
            ], gram.device)
            final = solve_squared_hinge(
                gram, labels, weighted, tol=tol, factor=factor)
            results.append(final)
            names += [
                dict(cls=cls, cost=best[cls], fold='final')
                for cls in range(num_classes)
            ]
    test = decision_values(x, final.coef,
                           torch.from_numpy(test_x).to(device,
                                                       dtype)).cpu().numpy()
    aps = []
    for cls in range(num_classes):
        kept = test_t[:, cls] != -1
        aps.append(
            voc_average_precision(test_t[kept, cls] > 0, test[kept, cls]))
    record = convergence_record(results, names)
    return aps, best, cv_aps.tolist(), record


def svm_benchmark(train_features: np.ndarray,
                  train_targets: np.ndarray,
                  test_features: np.ndarray,
                  test_targets: np.ndarray,
                  costs: Sequence[float] = DEFAULT_COSTS,
                  folds: int = 3,
                  n_jobs: int = -1,
                  progress: bool = False,
                  solver: str = 'batched',
                  device: str = 'cpu',
                  tol: float = 1e-6) -> Dict[str, object]:
    """Train and test one SVM per class.

    Args:
        train_features, test_features (np.ndarray): ``(N, D)`` features.
        train_targets, test_targets (np.ndarray): ``(N, C)`` with 1/0/-1
            (present / absent / ignored), see
            :mod:`mmselfsup_rot.downstream.extract`.
        costs (Sequence[float]): Candidate SVM costs. Defaults to
            ``(1, 10, 100)``.
        folds (int): Cross-validation folds. Defaults to 3.
        n_jobs (int): joblib workers of the liblinear solver; -1 uses all
            cores.
        progress (bool): Draw a progress bar (rank 0).
        solver (str): ``'batched'`` (default) or ``'liblinear'`` (the
            reference).
        device (str): Device of the batched solver (``'cpu'``,
            ``'cuda'``).
        tol (float): Relative duality gap at which the batched solver
            stops.

    Returns:
        dict: ``mAP`` (percent), ``ap`` (per class, percent), ``costs``
        (chosen per class), ``cv_ap`` (per class and cost), ``solver``,
        ``fits``, ``unconverged`` (the fits that stopped at their
        iteration limit: class, cost, fold or ``'final'``) and
        ``unconverged_count``; the batched solver adds ``device``,
        ``max_relative_gap``, ``newton_iterations_max`` and ``cg_steps``.
    """
    if train_targets.ndim != 2 or test_targets.ndim != 2:
        raise ValueError('The VOC SVM needs (N, num_classes) 1/0/-1 '
                         'targets (label_format "voc").')
    if solver not in SOLVERS:
        raise ValueError(f'Unknown SVM solver "{solver}"; choose from '
                         f'{SOLVERS}.')
    costs = [float(c) for c in costs]
    train_x, test_x = l2_normalize(train_features), l2_normalize(test_features)
    num_classes = train_targets.shape[1]
    if solver == 'batched':
        aps, best, cv_aps, record = _batched_svm(train_x, train_targets,
                                                 test_x, test_targets, costs,
                                                 folds, device, tol, progress)
        aps = [100. * ap for ap in aps]
        return dict(
            mAP=float(np.mean(aps)),
            ap=aps,
            costs=best,
            cv_ap=cv_aps,
            solver=solver,
            device=str(device),
            **record)
    out = parallel_map(
        _fit_class,
        [(train_x, train_targets, test_x, test_targets, cls, costs, folds)
         for cls in range(num_classes)],
        n_jobs,
        desc=f'SVM: {num_classes} classes x {len(costs)} costs x {folds} '
        'folds (liblinear)',
        enabled=progress)
    aps = [100. * res[0] for res in out]
    unconverged = [u for res in out for u in res[3]]
    return dict(
        mAP=float(np.mean(aps)),
        ap=aps,
        costs=[res[1] for res in out],
        cv_ap=[res[2] for res in out],
        solver=solver,
        fits=sum(res[4] for res in out),
        unconverged=unconverged,
        unconverged_count=len(unconverged))
