# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""A pipeline whose every random draw is a function of ``(seed, epoch,
sample index)``, and the function that gives a dataset such pipelines.

The epoch lives in shared memory, so that persistent workers, which hold
copies of the dataset made when they started, see it change.
"""
import random
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import Compose
from mmpretrain.registry import TRANSFORMS

from .dataset_wrappers import iter_datasets
from .rng_usage import uses_python_random, uses_torch_random
from .sample_seed import (REPLACEMENT_STREAM, epoch_state, index_seed,
                          sample_seed, seed_global_rngs)


@TRANSFORMS.register_module()
class SampleSeededCompose(Compose):
    """Run a pipeline with its RNGs seeded per sample from ``(seed, epoch,
    sample_idx)``.

    Before the transforms run, :func:`seed_global_rngs` is called with
    :func:`sample_seed` of the run's ``seed``, the current epoch and the
    ``sample_idx`` that mmengine's ``BaseDataset.get_data_info`` puts in
    every data info (Python's ``random`` and torch only when a transform
    may use them, see ``seed_python_random`` and ``seed_torch``). A
    sample's augmentation is then the same whichever dataloader worker
    loads it, however many workers there are, whether they persist across
    epochs and whether the run was resumed; two epochs draw different
    augmentations.

    The generators are left as the last sample seeded them: nothing else
    draws from them in a dataloader worker, and in the main process
    (``num_workers=0``) ``EpochSeedHook`` reseeds them before every
    training iteration, so the random draws of the training step (e.g.
    the data preprocessor's flips, dropout) do not depend on the number of
    workers either. When the pipeline returns ``None`` (an
    unreadable image that the dataset replaces by a random other one),
    the generators are seeded for the dataset's replacement draw from the
    sample first asked for and the number of attempts, so the replacement
    is a function of ``(seed, epoch, sample index)`` too.

    :class:`~mmselfsup_rot.engine.hooks.EpochSeedHook` wraps every
    training pipeline in this class (unless it is one already), gives it
    the run's seed and sets its epoch before each epoch. It can also be
    written in a config, as ``pipeline=[dict(type='SampleSeededCompose',
    transforms=[...])]``.

    **Required Keys:**

    - sample_idx

    Args:
        transforms (Sequence[dict | Callable]): The transforms to run.
        seed (int): The run's seed. Defaults to 0.
        stream (int): Separates datasets that share sample indices, e.g.
            the parts of a ``ConcatDataset``. Defaults to 0.
        seed_python_random (bool, optional): Also seed Python's ``random``
            per sample. None (the default) does it when a transform may
            draw from it (:func:`uses_python_random`): seeding costs a few
            microseconds a generator, a few percent of a small-image
            pipeline, and most pipelines draw from NumPy only.
        seed_torch (bool, optional): Also seed torch's CPU generator per
            sample. None (the default) does it when a transform may draw
            from it (:func:`uses_torch_random`).
    """

    def __init__(self,
                 transforms: Optional[Sequence[Union[dict, Callable]]],
                 seed: int = 0,
                 stream: int = 0,
                 seed_python_random: Optional[bool] = None,
                 seed_torch: Optional[bool] = None) -> None:
        super().__init__(transforms)
        self.seed = int(seed)
        self.stream = int(stream)
        if seed_python_random is None:
            seed_python_random = uses_python_random(self.transforms)
        if seed_torch is None:
            seed_torch = uses_torch_random(self.transforms)
        self.seed_python_random = bool(seed_python_random)
        self.seed_torch = bool(seed_torch)
        # ((seed, epoch, stream), their hash): recomputed once an epoch
        self._prefix: Tuple[tuple, int] = ((), 0)
        # shared memory: persistent workers, forked or spawned before an
        # epoch starts, read the epoch the main process sets later
        self._epoch = torch.zeros((), dtype=torch.int64).share_memory_()
        # (index first asked for, attempts) while replacing dropped samples
        self._replacing: Optional[Tuple[int, int]] = None

    @property
    def epoch(self) -> int:
        """The epoch whose seeds the pipeline draws from."""
        return int(self._epoch)

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, for this process and its dataloader workers.

        Args:
            epoch (int): The epoch (0-based).
        """
        self._epoch.fill_(int(epoch))

    def __call__(self, data: dict) -> Optional[dict]:
        """Seed the RNGs for ``data['sample_idx']`` and run the pipeline.

        Args:
            data (dict): A data info with ``sample_idx``.

        Returns:
            dict | None: The transformed data, or None when a transform
            dropped the sample.
        """
        index = data.get('sample_idx')
        if index is None:
            raise KeyError(
                'SampleSeededCompose seeds each sample from its index, but '
                'the data info has no "sample_idx" (mmengine\'s '
                'BaseDataset.get_data_info sets it); use a dataset derived '
                'from BaseDataset or disable EpochSeedHook.per_sample.')
        epoch = int(self._epoch)
        prefix = self._prefix
        if prefix[0] != (self.seed, epoch, self.stream):
            key = (self.seed, epoch, self.stream)
            state = epoch_state(self.seed, epoch, self.stream)
            prefix = self._prefix = (key, state)
        # sample_seed(self.seed, epoch, index, self.stream), inlined: this
        # runs for every sample
        seed = index_seed(prefix[1], index)
        np.random.seed((seed ^ (seed >> 32)) & 0xFFFFFFFF)
        if self.seed_torch:
            torch.default_generator.manual_seed(seed)
        if self.seed_python_random:
            random.seed(seed)
        try:
            for transform in self.transforms:
                data = transform(data)
                if data is None:
                    break
        except BaseException:
            self._replacing = None
            raise
        if data is None:
            # BaseDataset draws the replacement with np.random.randint and
            # loads it right away, in this process: seed that draw from
            # the sample first asked for and the attempt (not from this
            # sample alone, which could cycle among dropped samples)
            origin, attempt = self._replacing or (index, 0)
            self._replacing = (origin, attempt + 1)
            stream = self.stream + (REPLACEMENT_STREAM + attempt) * 2**32
            seed_global_rngs(
                sample_seed(self.seed, epoch, origin, stream),
                self.seed_python_random, self.seed_torch)
            return None
        self._replacing = None
        return data

    def __repr__(self) -> str:
        inner = super().__repr__().split('(', 1)[1]
        return (f'{type(self).__name__}(seed={self.seed}, '
                f'stream={self.stream}, '
                f'seed_python_random={self.seed_python_random}, '
                f'seed_torch={self.seed_torch}, {inner}')


def seed_per_sample(dataset, seed: int) -> List[SampleSeededCompose]:
    """Make the pipelines of ``dataset`` (and of the datasets it wraps)
    seed every sample from ``(seed, epoch, sample_idx)``.

    Each ``pipeline`` attribute that is not a :class:`SampleSeededCompose`
    yet is wrapped in one (the transforms are not rebuilt); those that are
    get ``seed``. Datasets found inside a wrapper get distinct streams, so
    that the parts of a ``ConcatDataset`` do not share seeds. Call it in
    the main process before the dataloader starts its workers, and call
    ``set_epoch`` on the returned pipelines at each epoch.

    Args:
        dataset: A dataset with a ``pipeline`` or a dataset wrapper.
        seed (int): The run's seed.

    Returns:
        list[SampleSeededCompose]: The seeded pipelines.
    """
    found = []
    for stream, data in enumerate(
            d for d in iter_datasets(dataset) if hasattr(d, 'pipeline')):
        pipeline = data.pipeline
        transforms = getattr(pipeline, 'transforms', None)
        if isinstance(pipeline, SampleSeededCompose):
            seeded = [pipeline]
        elif transforms and any(
                isinstance(t, SampleSeededCompose) for t in transforms):
            # written in the config: pipeline=[dict(type=...)]
            seeded = [
                t for t in transforms if isinstance(t, SampleSeededCompose)
            ]
        else:
            if transforms is None:
                transforms = [pipeline]
            seeded = [SampleSeededCompose(transforms)]
            data.pipeline = seeded[0]
        for pipeline in seeded:
            pipeline.seed = int(seed)
            pipeline.stream = stream
        found.extend(seeded)
    return found
