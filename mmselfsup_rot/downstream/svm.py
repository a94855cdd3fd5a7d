# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""VOC07 linear SVM classification on frozen features (the FAIR /
mmselfsup protocol).

Per class: a ``LinearSVC`` with ``class_weight={1: 2, -1: 1}``, its cost
chosen by 3-fold cross-validated average precision on trainval, then AP on
test. Images whose only instances of the class are "difficult" are left out
of training and evaluation. Classes run in parallel with joblib.
"""
from typing import Dict, Sequence

import numpy as np
from sklearn.model_selection import cross_val_score
from sklearn.svm import LinearSVC

from mmselfsup_rot.utils.progress import parallel_map

DEFAULT_COSTS = (1.0, 10.0, 100.0)


def l2_normalize(features: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (as the protocol does before the SVM)."""
    features = np.asarray(features, dtype=np.float64)
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / (norms + 1e-5)


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


def _fit_class(train_x, train_t, test_x, test_t, cls, costs, folds):
    x, y = class_samples(train_x, train_t, cls)
    n_splits = min(folds, int((y == 1).sum()), int((y == -1).sum()))
    if n_splits < 2:
        raise ValueError(
            f'Class {cls} has {(y == 1).sum()} positive and '
            f'{(y == -1).sum()} negative training images; the cost '
            'cross-validation needs at least 2 of each.')
    cv_aps = [
        float(
            cross_val_score(
                make_svm(c), x, y, cv=n_splits,
                scoring='average_precision').mean()) for c in costs
    ]
    best = int(np.argmax(cv_aps))  # first of equals, as the protocol
    clf = make_svm(costs[best]).fit(x, y)
    tx, ty = class_samples(test_x, test_t, cls)
    ap = voc_average_precision(ty, clf.decision_function(tx))
    return ap, costs[best], cv_aps


def svm_benchmark(train_features: np.ndarray,
                  train_targets: np.ndarray,
                  test_features: np.ndarray,
                  test_targets: np.ndarray,
                  costs: Sequence[float] = DEFAULT_COSTS,
                  folds: int = 3,
                  n_jobs: int = -1,
                  progress: bool = False) -> Dict[str, object]:
    """Train and test one SVM per class.

    Args:
        train_features, test_features (np.ndarray): ``(N, D)`` features.
        train_targets, test_targets (np.ndarray): ``(N, C)`` with 1/0/-1
            (present / absent / ignored), see
            :mod:`mmselfsup_rot.downstream.extract`.
        costs (Sequence[float]): Candidate SVM costs. Defaults to
            ``(1, 10, 100)``.
        folds (int): Cross-validation folds. Defaults to 3.
        n_jobs (int): joblib workers; -1 uses all cores.
        progress (bool): Draw a progress bar over the classes (rank 0).

    Returns:
        dict: ``mAP`` (percent), ``ap`` (per class, percent), ``costs``
        (chosen per class) and ``cv_ap`` (per class and cost).
    """
    if train_targets.ndim != 2 or test_targets.ndim != 2:
        raise ValueError('The VOC SVM needs (N, num_classes) 1/0/-1 '
                         'targets (label_format "voc").')
    train_x, test_x = l2_normalize(train_features), l2_normalize(test_features)
    num_classes = train_targets.shape[1]
    out = parallel_map(
        _fit_class, [(train_x, train_targets, test_x, test_targets, cls,
                      list(costs), folds) for cls in range(num_classes)],
        n_jobs,
        desc=f'SVM: {num_classes} classes x {len(costs)} costs x {folds} '
        'folds',
        enabled=progress)
    aps = [100. * ap for ap, _, _ in out]
    return dict(
        mAP=float(np.mean(aps)),
        ap=aps,
        costs=[c for _, c, _ in out],
        cv_ap=[cv for _, _, cv in out])
