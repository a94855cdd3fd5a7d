# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import random
from typing import List, Optional

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop
from mmpretrain.registry import HOOKS

from mmselfsup_rot.datasets.sample_seed import sample_seed
from mmselfsup_rot.datasets.sample_seeded_compose import (SampleSeededCompose,
                                                          seed_per_sample)

#: Separates the main process's per-iteration seeds from the samples'.
ITERATION_STREAM = 2**40


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Make every random draw of training a function of the seed, the epoch
    and the sample, so that a resumed run ends with exactly the weights of
    an uninterrupted one.

    mmengine seeds the RNGs once, when the runner starts, and does not save
    their state in checkpoints; dataloader workers carry their own RNG
    state from sample to sample and, with ``persistent_workers``, from
    epoch to epoch. This hook therefore

    - wraps the training dataset's pipelines in
      :class:`~mmselfsup_rot.datasets.SampleSeededCompose`
      (``per_sample=True``): every sample's augmentation is drawn from
      ``(seed, epoch, sample index)``, whichever worker loads it, however
      many workers there are, whether they persist and whether the run
      was resumed;
    - reseeds Python's, NumPy's and torch's RNGs in the main process at the
      start of each epoch from ``(seed, epoch, rank)`` and before each
      iteration from ``(seed, iteration, rank)``, for the random draws of
      the training step (e.g. the data preprocessor's flips or random
      rotations, dropout), which then depend neither on the loading (with
      ``num_workers=0`` the pipelines run in the main process) nor on
      the iterations before;
    - gives the training dataloader its own ``generator``, so that starting
      its workers (at every epoch, or once with persistent workers) does
      not consume the main process's torch RNG.

    Per-sample seeding needs an epoch-based loop; with an iteration-based
    loop the data epochs are not visible to hooks and only the main
    process is seeded.

    Args:
        seed (int, optional): Base seed; defaults to the runner's seed. When
            neither is set the hook does nothing.
        per_sample (bool): Seed the data pipeline per sample. Defaults to
            True.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 seed: Optional[int] = None,
                 per_sample: bool = True) -> None:
        self.seed = seed
        self.per_sample = per_sample
        self._pipelines: List[SampleSeededCompose] = []

    def _base_seed(self, runner) -> Optional[int]:
        return self.seed if self.seed is not None else runner.seed

    def before_train(self, runner) -> None:
        """Seed the training pipelines per sample (before any dataloader
        worker starts) and give the dataloader its own generator."""
        base = self._base_seed(runner)
        if base is None:
            return
        loader = runner.train_loop.dataloader
        if getattr(loader, 'generator', 'absent') is None:
            generator = torch.Generator()
            generator.manual_seed(int(base) + 7919 * get_rank())
            loader.generator = generator
        if not self.per_sample:
            return
        if not isinstance(runner.train_loop, EpochBasedTrainLoop):
            print_log(
                'EpochSeedHook: per-sample seeding needs an epoch-based '
                f'train loop, not {type(runner.train_loop).__name__}; only '
                'the main process is reseeded.',
                logger='current')
            return
        self._pipelines = seed_per_sample(loader.dataset, int(base))
        print_log(
            'Per-sample seeding of the training data: each sample\'s '
            f'augmentation is drawn from (seed={int(base)}, epoch, sample '
            f'index) in {len(self._pipelines)} pipeline(s).',
            logger='current')

    def before_train_epoch(self, runner) -> None:
        """Reseed the main process and set the pipelines' epoch."""
        base = self._base_seed(runner)
        if base is None:
            return
        seed = (int(base) + 1000003 * runner.epoch + 7919 * get_rank()) % 2**31
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        for pipeline in self._pipelines:
            pipeline.set_epoch(runner.epoch)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        """Reseed the main process for the training step."""
        base = self._base_seed(runner)
        if base is None:
            return
        seed = sample_seed(
            int(base), runner.iter, get_rank(), stream=ITERATION_STREAM)
        random.seed(seed)
        np.random.seed((seed ^ (seed >> 32)) & 0xFFFFFFFF)
        torch.manual_seed(seed)
