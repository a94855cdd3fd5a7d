# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from mmselfsup_rot.utils.rotation import parse_angles


@METRICS.register_module()
class RotationAccuracy(BaseMetric):
    """Accuracy of the rotation pretext task, overall and per angle.

    Consumes the outputs of ``RotationPred.predict`` (``rot_pred``) and the
    ground truth ``rot_label`` that the rotation transform or preprocessor
    put in each data sample.

    Args:
        angles (str | Sequence[int]): The rotation set, used to name the
            per-angle results. Defaults to ``'four'``.
        collect_device (str): Device used to collect results across ranks.
        prefix (str, optional): Metric name prefix. Defaults to
            ``'rotation'``.
    """
    default_prefix: Optional[str] = 'rotation'

    def __init__(self,
                 angles: Union[str, Sequence[int]] = 'four',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.angles = parse_angles(angles)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store the predicted and true labels of every view."""
        for sample in data_samples:
            pred = torch.as_tensor(sample['rot_pred']).view(-1).cpu()
            label = torch.as_tensor(sample['rot_label']).view(-1).cpu()
            self.results.append((pred.numpy(), label.numpy()))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """Overall top-1 and per-angle accuracy in percent."""
        preds = np.concatenate([p for p, _ in results])
        labels = np.concatenate([t for _, t in results])
        metrics = {'accuracy': float((preds == labels).mean() * 100)}
        for idx, angle in enumerate(self.angles):
            chosen = labels == idx
            if chosen.any():
                metrics[f'accuracy_{angle}deg'] = float(
                    (preds[chosen] == idx).mean() * 100)
        return metrics
