# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.evaluation.metrics import Accuracy
from mmpretrain.registry import METRICS


@METRICS.register_module()
class MultiHeadAccuracy(BaseMetric):
    """Top-k accuracy of each head of :class:`MultiHeadLinearHead`.

    Reads ``multi_head_scores`` ``(num_layers, num_classes)`` and the layer
    names that the head stores in each data sample, and reports e.g.
    ``multi-head/feature4_top1``.

    Args:
        topk (int | Sequence[int]): Which top-k accuracies. Defaults to
            ``(1, 5)``.
        collect_device (str): Device used to collect results across ranks.
        prefix (str, optional): Metric name prefix. Defaults to
            ``'multi-head'``.
    """
    default_prefix: Optional[str] = 'multi-head'
    #: Data-sample fields of the scores and of the layer names.
    scores_key = 'multi_head_scores'
    names_key = 'layer_names'

    def __init__(self,
                 topk: Union[int, Sequence[int]] = (1, 5),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = (topk, ) if isinstance(topk, int) else tuple(topk)
        self.layer_names: List[str] = []

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep every sample's per-layer scores and its label."""
        for sample in data_samples:
            if self.scores_key not in sample:
                raise ValueError(
                    'MultiHeadAccuracy needs "multi_head_scores" in the '
                    'predictions: use it with MultiHeadLinearHead.')
            self.layer_names = list(sample[self.names_key])
            self.results.append(
                (sample[self.scores_key].cpu(),
                 int(torch.as_tensor(sample['gt_label']).view(-1)[0])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """Top-k accuracy (percent) per layer."""
        scores = torch.stack([s for s, _ in results])  # (N, layers, C)
        target = torch.tensor([t for _, t in results])
        num_classes = scores.size(-1)
        topk = [k for k in self.topk if k <= num_classes]
        names = self.layer_names or [
            f'feature{i + 1}' for i in range(scores.size(1))
        ]
        metrics = {}
        for idx, name in enumerate(names):
            accs = Accuracy.calculate(
                scores[:, idx], target, topk=topk, thrs=(0., ))
            for k, acc in zip(topk, accs):
                metrics[f'{name}_top{k}'] = float(acc[0])
        return metrics
