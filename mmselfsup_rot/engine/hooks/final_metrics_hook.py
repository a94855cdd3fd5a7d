# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Optional

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class FinalMetricsHook(Hook):
    """Keep the metrics of the last validation, so that a caller of
    ``runner.train()`` gets them without testing again (the transfer
    benchmarks validate on their test set after the last step)."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.metrics: Optional[dict] = None

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        """Keep a copy of ``metrics``."""
        self.metrics = dict(metrics or {})
