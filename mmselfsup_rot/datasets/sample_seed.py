# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Per-sample randomness: every random draw of a data pipeline as a
function of ``(seed, epoch, sample index)``.

A DataLoader worker keeps its RNG state from one sample to the next, so
with the usual seeding a sample's augmentation depends on which worker
loads it, after which other samples, and on whether the worker survived
the previous epoch (``persistent_workers``) or was started by a resumed
run. :class:`SampleSeededCompose` instead seeds NumPy's global
``RandomState`` and (when a transform uses them) torch's CPU generator and
Python's ``random`` before each sample from a counter-based hash of
``(seed, epoch, sample_idx)``, as stateless RNG designs do. mmpretrain's
and mmcv's transforms run unchanged: they draw from those global
generators.

The epoch lives in shared memory, so that persistent workers, which hold
copies of the dataset made when they started, see it change.
"""
import dis
import functools
import random
import types
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import Compose
from mmpretrain.registry import TRANSFORMS

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
    # the index last: a pipeline hashes (seed, epoch, stream) once an epoch
    return _absorb(_absorb(_absorb(_absorb(0, seed), epoch), stream), index)


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


#: torch functions that draw from a generator (``torch.rand``,
#: ``F.dropout`` ...).
TORCH_RANDOM = frozenset({
    'rand', 'randn', 'randint', 'randperm', 'rand_like', 'randn_like',
    'randint_like', 'bernoulli', 'multinomial', 'normal', 'poisson', 'dropout',
    'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout',
    'feature_alpha_dropout', 'rrelu', 'gumbel_softmax', 'random',
    'manual_seed', 'get_rng_state', 'set_rng_state'
})
#: Tensor methods that fill a tensor from a generator.
TENSOR_RANDOM = frozenset({
    'uniform_', 'normal_', 'random_', 'bernoulli_', 'exponential_',
    'geometric_', 'cauchy_', 'log_normal_'
})
_ATTRS = ('LOAD_ATTR', 'LOAD_METHOD')


def _is_python_random(value) -> bool:
    """Python's ``random`` module, or one of its functions."""
    if value is random:
        return True
    owner = getattr(value, '__self__', None)  # bound methods of its Random
    return getattr(value, '__module__', None) == 'random' or (
        owner is not None and type(owner).__module__ == 'random')


def _is_torch(value) -> bool:
    """torch, torchvision or one of their modules."""
    return isinstance(
        value,
        types.ModuleType) and value.__name__.split('.')[0] in ('torch',
                                                               'torchvision')


def _is_torch_random(value) -> bool:
    """A torch function that draws (``from torch import rand``)."""
    module = getattr(value, '__module__', None) or ''
    return module.split('.')[0] == 'torch' and getattr(value, '__name__',
                                                       None) in TORCH_RANDOM


def _functions(attr) -> list:
    """The Python functions behind a class attribute (methods, static and
    class methods, properties, decorated methods)."""
    if isinstance(attr, (staticmethod, classmethod)):
        attr = attr.__func__
    if isinstance(attr, property):
        return [f for f in (attr.fget, attr.fset) if f is not None]
    while not isinstance(attr, types.FunctionType):
        inner = getattr(attr, '__wrapped__', None) or getattr(
            attr, 'func', None)
        if inner is None or inner is attr:
            return []
        attr = inner
    return [attr]


class _DrawScan:
    """Search transforms' bytecode for draws from Python's ``random``
    (``kind='python'``) or from torch's generators (``kind='torch'``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seen: set = set()

    def _global_draws(self, value) -> bool:
        if self.kind == 'python':
            return _is_python_random(value)
        return _is_torch_random(value)

    def _code(self, code: types.CodeType, func: types.FunctionType) -> bool:
        """Whether code draws, itself or in the same-module functions it
        calls."""
        torch_chain = False  # inside torch.<attr>.<attr> ...
        for ins in dis.get_instructions(code):
            if ins.opname in _ATTRS:
                if self.kind == 'torch' and (ins.argval in TENSOR_RANDOM
                                             or torch_chain
                                             and ins.argval in TORCH_RANDOM):
                    return True
                continue
            torch_chain = False
            if ins.opname not in ('LOAD_GLOBAL', 'LOAD_NAME'):
                continue
            value = func.__globals__.get(ins.argval)
            if self._global_draws(value):
                return True
            torch_chain = _is_torch(value)
            if isinstance(value, types.FunctionType) and \
                    value.__module__ == func.__module__ and \
                    self._function(value):
                return True
        return any(
            self._code(const, func) for const in code.co_consts
            if isinstance(const, types.CodeType))

    def _function(self, func: types.FunctionType) -> bool:
        if id(func) in self.seen:
            return False
        self.seen.add(id(func))
        return self._code(func.__code__, func)

    def __call__(self, transform) -> bool:
        if self._global_draws(transform):
            return True
        func = getattr(transform, '__func__', transform)  # bound method
        if isinstance(func, types.FunctionType):
            return self._function(func)
        if id(transform) in self.seen:
            return False
        self.seen.add(id(transform))
        if isinstance(transform, (list, tuple)):
            return any(self(t) for t in transform)
        if isinstance(transform, functools.partial):
            return self(transform.func)
        if self.kind == 'torch' and isinstance(transform, torch.nn.Module):
            return True  # torchvision's transforms
        if not hasattr(transform, '__dict__') and not any(
                _functions(a) for a in vars(type(transform)).values()):
            return True  # nothing to read: assume it draws
        for cls in type(transform).__mro__:
            if cls.__module__ == 'builtins' or id(cls) in self.seen:
                continue
            self.seen.add(id(cls))
            for attr in vars(cls).values():
                if any(self._function(f) for f in _functions(attr)):
                    return True
        for value in getattr(transform, '__dict__', {}).values():
            nested = value if isinstance(value, (list, tuple)) else [value]
            for item in nested:
                if callable(item) and not isinstance(item, type) and \
                        self(item):
                    return True
        return False


def uses_python_random(transform) -> bool:
    """Whether a transform may draw from Python's ``random`` module.

    The bytecode of the transform (a function, or the methods of its class
    and base classes) is searched for global loads of Python's ``random``
    or of its functions, following the functions of the same module it
    calls; transforms nested in its attributes (``transforms``, ``t``,
    ``pipelines`` ...) are searched too. Callables without Python code
    count as users. mmpretrain's, mmcv's ``RandomFlip`` and this project's
    transforms draw from NumPy only; mmcv's ``RandomGrayscale`` and
    torchvision's ``RandomOrder``/``RandomChoice`` use ``random``. A
    transform that reaches ``random`` through another module's helper is
    not seen: set ``SampleSeededCompose(seed_python_random=True)`` for it.

    Args:
        transform: A transform (object or function), or a list of them.

    Returns:
        bool: Whether seeding Python's ``random`` is needed.
    """
    return _DrawScan('python')(transform)


def uses_torch_random(transform) -> bool:
    """Whether a transform may draw from torch's generator.

    As :func:`uses_python_random`, for ``torch.<...>.rand`` and the other
    functions of :data:`TORCH_RANDOM` (e.g. ``F.dropout``), the tensor
    methods of :data:`TENSOR_RANDOM` (``x.uniform_()``) and any
    ``torch.nn.Module`` (torchvision's transforms). mmpretrain's and mmcv's
    transforms draw from NumPy (and Python) only. A transform that reaches
    torch's generator through another module's helper is not seen: set
    ``SampleSeededCompose(seed_torch=True)`` for it.

    Args:
        transform: A transform (object or function), or a list of them.

    Returns:
        bool: Whether seeding torch's CPU generator is needed.
    """
    return _DrawScan('torch')(transform)


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
            state = _absorb(_absorb(_absorb(0, self.seed), epoch), self.stream)
            prefix = self._prefix = (key, state)
        # sample_seed(self.seed, epoch, index, self.stream), inlined: this
        # runs for every sample
        seed = _absorb(prefix[1], index)
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
