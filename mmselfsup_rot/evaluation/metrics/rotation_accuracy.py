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
    put in each data sample. The numbers come from the confusion matrix
    (:meth:`confusion_matrix`, :meth:`calculate`), which the analysis tools
    share.

    Args:
        angles (str | Sequence[int]): The rotation set, used to name the
            per-angle results. Defaults to ``'four'``; a config leaves it to
            ``model.angles`` (see ``share_rotation_set`` in
            :mod:`mmselfsup_rot.engine.rotation_set_config`).
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
        return self.calculate(
            self.confusion_matrix(preds, labels, len(self.angles)),
            self.angles)

    @staticmethod
    def confusion_matrix(preds: np.ndarray, labels: np.ndarray,
                         num_classes: int) -> np.ndarray:
        """Count the rotation predictions by true and predicted label.

        Args:
            preds (np.ndarray): Predicted labels, any shape.
            labels (np.ndarray): True labels, the same shape.
            num_classes (int): ``K``, the number of angles.

        Returns:
            np.ndarray: ``(K, K)`` int64 counts; row = true label, column =
            predicted label.
        """
        preds = np.asarray(preds, dtype=np.int64).reshape(-1)
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        if preds.shape != labels.shape:
            raise ValueError(f'Got {preds.size} predictions for '
                             f'{labels.size} rotation labels.')
        for name, values in (('rot_label', labels), ('rot_pred', preds)):
            bad = values[(values < 0) | (values >= num_classes)]
            if bad.size:
                raise ValueError(
                    f'{name} {int(bad[0])} is out of range for a rotation '
                    f'set of {num_classes} angles; state the set once in '
                    'model.angles')
        return np.bincount(
            labels * num_classes + preds,
            minlength=num_classes * num_classes).reshape(
                num_classes, num_classes)

    @staticmethod
    def calculate(confusion: np.ndarray,
                  angles: Sequence[int]) -> Dict[str, float]:
        """Overall and per-angle accuracy from a confusion matrix.

        Args:
            confusion (np.ndarray): ``(K, K)`` counts from
                :meth:`confusion_matrix`.
            angles (Sequence[int]): The ``K`` angles, naming the results.

        Returns:
            dict[str, float]: ``accuracy`` and ``accuracy_{angle}deg``
            (percent) for every angle with at least one image.
        """
        confusion = np.asarray(confusion)
        metrics = {
            'accuracy': float(np.trace(confusion) / confusion.sum() * 100)
        }
        for idx, angle in enumerate(angles):
            total = confusion[idx].sum()
            if total:
                metrics[f'accuracy_{angle}deg'] = float(confusion[idx, idx] /
                                                        total * 100)
        return metrics
