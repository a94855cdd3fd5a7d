# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Weighted k-nearest-neighbour classification of frozen features (the
mmselfsup 1.x ImageNet kNN protocol: cosine similarity, votes weighted by
``exp(similarity / T)`` with T = 0.07)."""
from typing import Dict, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from mmselfsup_rot.utils.progress import track


@torch.no_grad()
def knn_classify(train_features: np.ndarray,
                 train_labels: np.ndarray,
                 test_features: np.ndarray,
                 test_labels: np.ndarray,
                 ks: Sequence[int] = (10, 20, 100, 200),
                 temperature: float = 0.07,
                 batch_size: int = 256,
                 progress: bool = False) -> Dict[int, Dict[str, float]]:
    """Top-1 / top-5 accuracy (percent) of a weighted kNN for each k.

    Args:
        train_features, test_features (np.ndarray): ``(N, D)`` features.
        train_labels, test_labels (np.ndarray): ``(N,)`` class indices.
        ks (Sequence[int]): Numbers of neighbours.
        temperature (float): Vote temperature.
        batch_size (int): Test samples per similarity block.
        progress (bool): Draw a progress bar over the test samples
            (rank 0).

    Returns:
        dict: ``{k: {'top1': ..., 'top5': ...}}``.
    """
    if max(ks) > len(train_features):
        raise ValueError(f'k={max(ks)} exceeds the {len(train_features)} '
                         'training samples.')
    train = F.normalize(torch.as_tensor(train_features).float(), dim=1)
    test = F.normalize(torch.as_tensor(test_features).float(), dim=1)
    train_y = torch.as_tensor(train_labels).long()
    test_y = torch.as_tensor(test_labels).long()
    num_classes = int(max(train_y.max(), test_y.max())) + 1
    correct = {k: torch.zeros(2) for k in ks}
    starts = track(
        range(0, len(test), batch_size),
        len(test), f'kNN: {len(test)} test x {len(train)} train samples, k in '
        f'{list(ks)}',
        enabled=progress,
        weight=lambda start: min(batch_size,
                                 len(test) - start))
    for start in starts:
        sim = test[start:start + batch_size] @ train.T
        top_sim, top_idx = sim.topk(max(ks), dim=1)
        target = test_y[start:start + batch_size, None]
        for k in ks:
            votes = torch.zeros(len(sim), num_classes)
            votes.scatter_add_(1, train_y[top_idx[:, :k]],
                               (top_sim[:, :k] / temperature).exp())
            pred = votes.topk(min(5, num_classes), dim=1).indices
            hits = pred == target
            correct[k] += torch.stack(
                [hits[:, 0].sum(), hits.any(dim=1).sum()]).float()
    return {
        k:
        dict(
            top1=float(c[0]) * 100 / len(test),
            top5=float(c[1]) * 100 / len(test))
        for k, c in correct.items()
    }
