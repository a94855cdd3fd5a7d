# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import math
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import find_latest_checkpoint
from mmpretrain.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first NaN or infinite loss.

    A diverged run otherwise goes on for hours and then saves NaN weights
    over the good checkpoints. The hook runs before ``CheckpointHook`` in
    every iteration, so no checkpoint is written after the loss went bad and
    ``--resume`` starts again from the last good one.

    The error names the iteration and the offending loss terms (the terms
    whose name contains ``'loss'``, other logged values are ignored).
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        bad = {}
        for name, value in outputs.items():
            if 'loss' not in name:
                continue
            value = float(value.detach().float().mean()) if isinstance(
                value, torch.Tensor) else float(value)
            if not math.isfinite(value):
                bad[name] = value
        if not bad:
            return
        # The total is non-finite whenever a term is: name the terms.
        terms = {k: v for k, v in bad.items() if k != 'loss'} or bad
        last = find_latest_checkpoint(runner.work_dir)
        keep = (f'the last good checkpoint is {last}'
                if last else 'no checkpoint was saved yet')
        raise NonFiniteLossError(
            f'Non-finite loss at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}): ' + ', '.join(f'{k}={v}'
                                                 for k, v in terms.items()) +
            f'. Training stopped; {keep}. Lower the learning rate or '
            'lengthen the warm-up, check the data normalisation, then '
            'resume with --resume.')
