# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Whether the installed mmcv has its compiled ops.

``make demo`` (``tools/bootstrap.sh`` without options) installs mmcv
without compiled ops: pretraining and the classification benchmarks never
use ``mmcv.ops``. mmdet's detectors and mmseg's segmentors do, so the
transfer benchmarks check first and stop with one line instead of failing
deep inside a model build.
"""
import importlib.util


class MissingCompiledOpsError(RuntimeError):
    """mmcv is installed without its compiled ops (``mmcv._ext``)."""


def has_compiled_ops() -> bool:
    """True when ``mmcv._ext`` (mmcv's compiled ops) is installed.

    Looks the module up without loading it (its parent, the pure-Python
    ``mmcv`` package, is imported).
    """
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except ImportError:  # no mmcv at all
        return False


def require_compiled_ops(user: str = 'mmdet/mmseg') -> None:
    """Raise :class:`MissingCompiledOpsError` without compiled mmcv ops.

    Args:
        user (str): What needs the ops, for the message.
    """
    if not has_compiled_ops():
        raise MissingCompiledOpsError(
            f'mmcv was installed without compiled ops ({user} needs '
            'mmcv.ops); run `make env-full` (tools/bootstrap.sh --with-ops)')
