# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Log the training loss averaged over all processes.

mmengine logs the loss of rank 0 only, i.e. of its share of the batch. The
scaling benchmark needs the loss of the whole distributed batch to compare
``N`` processes with one process on the same total batch.
"""
from typing import Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class GlobalLossHook(Hook):
    """Add ``global_loss``, the all-process mean of ``loss``, to the log.

    Runs before the logger hook (``NORMAL`` < ``BELOW_NORMAL``), so the value
    lands in the same ``scalars.json`` record as ``loss``.
    """

    priority = 'NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """All-reduce the iteration's loss and record it."""
        if not outputs or 'loss' not in outputs:
            return
        loss = torch.as_tensor(outputs['loss']).detach().float().clone()
        all_reduce(loss, op='mean')
        runner.message_hub.update_scalar('train/global_loss', loss.item())
