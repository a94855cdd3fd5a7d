# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import functools
import random
from typing import Optional

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


def _seed_worker(worker_id: int, seed: int) -> None:
    """Seed a dataloader worker's RNGs (module level so it pickles)."""
    random.seed(seed + worker_id)
    np.random.seed((seed + worker_id) % 2**32)
    torch.manual_seed(seed + worker_id)


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Reseed every RNG at the start of each epoch from ``(seed, epoch,
    rank)``.

    mmengine seeds the RNGs once, when the runner starts, and does not save
    their state in checkpoints. A run resumed at epoch ``e`` therefore draws
    different augmentations (and different random rotations) from epoch
    ``e`` on than the uninterrupted run would. Reseeding at each epoch makes
    an interrupted-and-resumed run end with exactly the weights of an
    uninterrupted one (with ``num_workers=0`` or non-persistent workers,
    whose per-epoch seeds this hook also sets).

    Args:
        seed (int, optional): Base seed; defaults to the runner's seed. When
            neither is set the hook does nothing.
    """

    priority = 'VERY_HIGH'

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed

    def before_train_epoch(self, runner) -> None:
        base = self.seed if self.seed is not None else runner.seed
        if base is None:
            return
        seed = (int(base) + 1000003 * runner.epoch + 7919 * get_rank()) % 2**31
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        loader = runner.train_dataloader
        if getattr(loader, 'num_workers',
                   0) > 0 and not getattr(loader, 'persistent_workers', False):
            loader.worker_init_fn = functools.partial(
                _seed_worker, seed=seed * 31 % 2**31)
