# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Which global generators a transform may draw from, read from its
bytecode: seeding Python's ``random`` and torch's generator per sample
costs time, and most pipelines draw from NumPy only."""
import dis
import functools
import random
import types

import torch

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
