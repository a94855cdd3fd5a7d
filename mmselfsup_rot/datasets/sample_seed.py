# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Per-sample randomness: every random draw of a data pipeline as a
function of ``(seed, epoch, sample index)``.

A DataLoader worker keeps its RNG state from one sample to the next, so
with the usual seeding a sample's augmentation depends on which worker
loads it, after which other samples, and on whether the worker survived
the previous epoch (``persistent_workers``) or was started by a resumed
run. :class:`SampleSeededCompose` instead seeds Python's ``random``,
NumPy's global ``RandomState`` and torch's CPU generator before each
sample from a counter-based hash of ``(seed, epoch, sample_idx)``, as
stateless RNG designs do. mmpretrain's and mmcv's transforms run
unchanged: they draw from those global generators.

The epoch lives in shared memory, so that persistent workers, which hold
copies of the dataset made when they started, see it change.
"""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import Compose
from mmpretrain.registry import TRANSFORMS
from torch.utils.data import get_worker_info

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
#: Stream of the draws that pick the replacements of a skipped sample
#: (one more per attempt).
REPLACEMENT_STREAM = 1


def _mix64(value: int) -> int:
    """SplitMix64's finaliser: a bijective, avalanching 64-bit mix."""
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def sample_seed(seed: int, epoch: int, index: int, stream: int = 0) -> int:
    """The 64-bit seed of one sample in one epoch.

    A counter-based hash: each word is added to the running state and
    mixed with SplitMix64's finaliser, so nearby counters (consecutive
    indices, epochs or seeds) give unrelated seeds.

    Args:
        seed (int): The run's seed.
        epoch (int): The epoch (0-based).
        index (int): The sample's index in its dataset.
        stream (int): Separates independent uses of the same counter.
            Defaults to 0.

    Returns:
        int: A seed in ``[0, 2**64)``.
    """
    state = 0
    for word in (seed, epoch, index, stream):
        state = _mix64((state + _GOLDEN + (int(word) & _MASK64)) & _MASK64)
    return state


def seed_global_rngs(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global ``RandomState`` and torch's
    CPU generator from one 64-bit seed.

    ``torch.manual_seed`` would also (lazily) reseed every accelerator,
    which costs 100 times more; the data pipeline runs on the CPU.

    Args:
        seed (int): A seed in ``[0, 2**64)``.
    """
    import random
    random.seed(seed)
    np.random.seed((seed ^ (seed >> 32)) & 0xFFFFFFFF)
    torch.default_generator.manual_seed(seed)


@TRANSFORMS.register_module()
class SampleSeededCompose(Compose):
    """Run a pipeline with its RNGs seeded per sample from ``(seed, epoch,
    sample_idx)``.

    Before the transforms run, :func:`seed_global_rngs` is called with
    :func:`sample_seed` of the run's ``seed``, the current epoch and the
    ``sample_idx`` that mmengine's ``BaseDataset.get_data_info`` puts in
    every data info. A sample's augmentation is then the same whichever
    dataloader worker loads it, however many workers there are, whether
    they persist across epochs and whether the run was resumed; two epochs
    draw different augmentations.

    In a dataloader worker the seeded state is left as it is (nothing
    else draws from it). In the main process (``num_workers=0``) torch's
    CPU generator is restored afterwards, so that the random draws of the
    training step (e.g. the data preprocessor's flips, dropout) do not
    depend on the number of workers; Python's and NumPy's generators are
    left seeded, as in a worker. When the pipeline returns ``None`` (an
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
    """

    def __init__(self,
                 transforms: Optional[Sequence[Union[dict, Callable]]],
                 seed: int = 0,
                 stream: int = 0) -> None:
        super().__init__(transforms)
        self.seed = int(seed)
        self.stream = int(stream)
        # shared memory: persistent workers, forked or spawned before an
        # epoch starts, read the epoch the main process sets later
        self._epoch = torch.zeros((), dtype=torch.int64).share_memory_()
        self._saved_torch_state: Optional[torch.Tensor] = None
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
        in_main = get_worker_info() is None
        if in_main and self._saved_torch_state is None:
            self._saved_torch_state = torch.default_generator.get_state()
        epoch = int(self._epoch)
        seed_global_rngs(sample_seed(self.seed, epoch, index, self.stream))
        try:
            data = super().__call__(data)
        except BaseException:
            self._replacing = None
            self._restore()
            raise
        if data is None:
            # BaseDataset draws the replacement with np.random.randint and
            # loads it right away, in this process: seed that draw from
            # the sample first asked for and the attempt (not from this
            # sample alone, which could cycle among dropped samples), and
            # keep the saved state until a replacement is loaded
            origin, attempt = self._replacing or (index, 0)
            self._replacing = (origin, attempt + 1)
            stream = self.stream + (REPLACEMENT_STREAM + attempt) * 2**32
            seed_global_rngs(sample_seed(self.seed, epoch, origin, stream))
            return None
        self._replacing = None
        self._restore()
        return data

    def _restore(self) -> None:
        """Give the main process its torch CPU generator state back."""
        if self._saved_torch_state is not None:
            torch.default_generator.set_state(self._saved_torch_state)
            self._saved_torch_state = None

    def __repr__(self) -> str:
        inner = super().__repr__().split('(', 1)[1]
        return (f'{type(self).__name__}(seed={self.seed}, '
                f'stream={self.stream}, {inner}')


def iter_datasets(dataset):
    """Yield the dataset and those inside dataset wrappers
    (``dataset.dataset``, ``dataset.datasets``), depth first."""
    yield dataset
    for inner in getattr(dataset, 'datasets', None) or []:
        yield from iter_datasets(inner)
    if getattr(dataset, 'dataset', None) is not None:
        yield from iter_datasets(dataset.dataset)


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
