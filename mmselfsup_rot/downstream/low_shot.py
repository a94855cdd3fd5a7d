# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""VOC07 low-shot SVM (the FAIR / mmselfsup protocol).

For each k and each of several independent samples, every class keeps k
random positive and (C - 1) * k random negative training images (the rest
are ignored). One SVM per class and cost is trained and tested on the full
test set; the reported cost is the one with the best mean mAP over samples,
and mean/min/max/std over samples are given at that cost.
"""
from typing import Dict, List, Sequence

import numpy as np

from mmselfsup_rot.utils.progress import parallel_map
from .svm import (DEFAULT_COSTS, class_samples, l2_normalize, make_svm,
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


def _fit_test(train_x, sample_t, test_x, test_t, cls, cost):
    x, y = class_samples(train_x, sample_t, cls)
    clf = make_svm(cost).fit(x, y)
    tx, ty = class_samples(test_x, test_t, cls)
    return voc_average_precision(ty, clf.decision_function(tx))


def low_shot_svm(train_features: np.ndarray,
                 train_targets: np.ndarray,
                 test_features: np.ndarray,
                 test_targets: np.ndarray,
                 k_values: Sequence[int] = K_VALUES,
                 num_samples: int = 5,
                 costs: Sequence[float] = DEFAULT_COSTS,
                 seed: int = 0,
                 n_jobs: int = -1,
                 progress: bool = False) -> np.ndarray:
    """Test APs of every (sample, k, cost, class) SVM.

    Args:
        train_features, test_features (np.ndarray): ``(N, D)`` features.
        train_targets, test_targets (np.ndarray): ``(N, C)`` with 1/0/-1.
        k_values (Sequence[int]): Positives per class of each setting.
        num_samples (int): Independent samples per k.
        costs (Sequence[float]): SVM costs.
        seed (int): Seed of the samples.
        n_jobs (int): joblib workers; -1 uses all cores.
        progress (bool): Draw a progress bar over the fits (rank 0).

    Returns:
        np.ndarray: ``(num_samples, len(k_values), len(costs),
        num_classes)`` APs in [0, 1].
    """
    rng = np.random.default_rng(seed)
    samples = [[
        sample_low_shot_targets(train_targets, k, rng) for k in k_values
    ] for _ in range(num_samples)]
    train_x, test_x = l2_normalize(train_features), l2_normalize(test_features)
    num_classes = train_targets.shape[1]
    jobs = [(s, ki, ci, cls) for s in range(num_samples)
            for ki in range(len(k_values)) for ci in range(len(costs))
            for cls in range(num_classes)]
    aps = parallel_map(
        _fit_test,
        [(train_x, samples[s][ki], test_x, test_targets, cls, costs[ci])
         for s, ki, ci, cls in jobs],
        n_jobs,
        desc=f'low-shot SVM: {len(jobs)} fits ({num_samples} samples x '
        f'{len(k_values)} k x {len(costs)} costs x {num_classes} classes)',
        enabled=progress)
    return np.array(aps).reshape(num_samples, len(k_values), len(costs),
                                 num_classes)


def aggregate_low_shot(aps: np.ndarray, k_values: Sequence[int],
                       costs: Sequence[float]) -> List[Dict[str, float]]:
    """mAP statistics per k at the cost with the best mean over samples.

    Args:
        aps (np.ndarray): Output of :func:`low_shot_svm`.

    Returns:
        list[dict]: Per k: ``k``, ``cost``, ``mean``, ``min``, ``max``,
        ``std`` (percent).
    """
    maps = 100. * aps.mean(axis=3)  # (samples, k, costs)
    rows = []
    for ki, k in enumerate(k_values):
        best = int(np.argmax(maps[:, ki].mean(axis=0)))
        per_sample = maps[:, ki, best]
        rows.append(
            dict(
                k=int(k),
                cost=float(costs[best]),
                mean=float(per_sample.mean()),
                min=float(per_sample.min()),
                max=float(per_sample.max()),
                std=float(per_sample.std())))
    return rows
