# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Keep ``torch.load`` in its safe (``weights_only``) mode for our files.

Since torch 2.6, ``torch.load`` refuses to unpickle anything but tensors and
plain containers. mmengine 0.10.7 checkpoints also hold the message hub's
``HistoryBuffer`` objects and numpy arrays/scalars, so resuming fails with
``Unsupported global``. Rather than switching the safe mode off for every
file, we allow exactly the classes that our checkpoints contain.
"""
import pickle
from typing import Any, List

import numpy as np
import torch


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """Stand-in for ``builtins.getattr`` when unpickling checkpoints.

    ``HistoryBuffer`` pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. Allowing the real ``getattr`` would
    let a file reach arbitrary attributes, so only those lookups resolve.
    """
    from mmengine.logging.history_buffer import HistoryBuffer

    # the four defaults are only put in the registry by the first instance
    allowed = {'min', 'max', 'current', 'mean'}
    allowed.update(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Refusing getattr({obj!r}, {name!r}) while loading a checkpoint.')


def checkpoint_safe_globals() -> List[Any]:
    """The classes and functions our checkpoints need to unpickle."""
    from mmengine.logging.history_buffer import HistoryBuffer
    safe = [
        HistoryBuffer,
        (_history_buffer_getattr, 'builtins.getattr'),
        np.core.multiarray._reconstruct,
        np.core.multiarray.scalar,
        np.ndarray,
        np.dtype,
    ]
    # numpy >= 1.25 pickles dtypes through their concrete classes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return safe


def register_checkpoint_safe_globals() -> None:
    """Allow our checkpoint classes in ``torch.load(weights_only=True)``."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
