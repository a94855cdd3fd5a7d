# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Union

from mmpretrain.registry import METRICS

from .multi_head_accuracy import MultiHeadAccuracy


@METRICS.register_module()
class OnlineProbeAccuracy(MultiHeadAccuracy):
    """Top-k accuracy of each stage of a pretraining model's online probe.

    Reads the ``probe_scores`` ``(num_stages, num_classes)`` and
    ``probe_stage_names`` that a pretext-task model with an
    ``online_probe`` (:class:`~mmselfsup_rot.models.heads.\
OnlineLinearProbe`) stores in the samples of the unrotated images, and
    reports e.g. ``online-probe/stage1_top1``. Images without scores (no
    probe, no class labels, or no unrotated copy in a one-random-rotation
    batch) are left out; with none scored it reports nothing, so the metric
    can stay in a config whose probe is switched off.

    Args:
        topk (int | Sequence[int]): Which top-k accuracies. Defaults to 1.
        collect_device (str): Device used to collect results across ranks.
        prefix (str, optional): Metric name prefix. Defaults to
            ``'online-probe'``.
    """
    default_prefix: Optional[str] = 'online-probe'
    scores_key = 'probe_scores'
    names_key = 'probe_stage_names'

    def __init__(self,
                 topk: Union[int, Sequence[int]] = 1,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(
            topk=topk, collect_device=collect_device, prefix=prefix)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the scores and label of every scored image."""
        scored = [s for s in data_samples if self.scores_key in s]
        super().process(data_batch, scored)
        # a placeholder per unscored image: no "empty results" warning
        self.results.extend([None] * (len(data_samples) - len(scored)))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        """Top-k accuracy (percent) per stage; empty if nothing scored."""
        results = [r for r in results if r is not None]
        return super().compute_metrics(results) if results else {}
