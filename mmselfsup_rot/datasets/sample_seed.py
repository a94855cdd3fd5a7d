# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Per-sample seeds: a counter-based hash of ``(seed, epoch, sample index)``
and the seeding of the global generators a data pipeline draws from.

A DataLoader worker keeps its RNG state from one sample to the next, so
with the usual seeding a sample's augmentation depends on which worker
loads it, after which other samples, and on whether the worker survived
the previous epoch (``persistent_workers``) or was started by a resumed
run. Seeding NumPy's global ``RandomState`` (and, when a transform uses
them, torch's CPU generator and Python's ``random``) before each sample
from :func:`sample_seed`, as stateless RNG designs do, makes every draw a
function of the sample; mmpretrain's and mmcv's transforms run unchanged
(see :class:`~mmselfsup_rot.datasets.sample_seeded_compose.\
SampleSeededCompose`).
"""
import random

import numpy as np
import torch

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


def _absorb(state: int, word: int) -> int:
    """Add one counter word to a hash state and mix."""
    return _mix64((state + _GOLDEN + (int(word) & _MASK64)) & _MASK64)


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
    return index_seed(epoch_state(seed, epoch, stream), index)


def epoch_state(seed: int, epoch: int, stream: int = 0) -> int:
    """The hash state of ``(seed, epoch, stream)``: the index comes last,
    so a pipeline computes this once an epoch (see :func:`sample_seed`)."""
    return _absorb(_absorb(_absorb(0, seed), epoch), stream)


def index_seed(state: int, index: int) -> int:
    """``sample_seed`` of a sample from its :func:`epoch_state`."""
    return _absorb(state, index)


def seed_global_rngs(seed: int,
                     python_random: bool = True,
                     torch_random: bool = True) -> None:
    """Seed NumPy's global ``RandomState`` and (optionally) torch's CPU
    generator and Python's ``random`` from one 64-bit seed.

    ``torch.manual_seed`` would also (lazily) reseed every accelerator,
    which costs 100 times more; the data pipeline runs on the CPU.

    Args:
        seed (int): A seed in ``[0, 2**64)``.
        python_random (bool): Also seed Python's ``random`` (the most
            expensive of the three). Defaults to True.
        torch_random (bool): Also seed torch's CPU generator. Defaults to
            True.
    """
    np.random.seed((seed ^ (seed >> 32)) & 0xFFFFFFFF)
    if torch_random:
        torch.default_generator.manual_seed(seed)
    if python_random:
        random.seed(seed)
