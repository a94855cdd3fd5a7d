# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Run a subprocess as if mmcv were installed without compiled ops.

``tools/bootstrap.sh`` without ``--with-ops`` installs a pure-Python mmcv:
its ``mmcv.ops`` package is there but ``import mmcv.ops`` fails, because
the compiled ``mmcv._ext`` is missing. A ``sitecustomize`` on PYTHONPATH
hides ``mmcv._ext`` the same way in an environment that has it: the path
finder does not find it, so ``importlib.util.find_spec`` returns None and
importing it raises ``ModuleNotFoundError``.
"""
import os
import os.path as osp

HIDE_EXT = '''
from importlib.machinery import PathFinder

_find_spec = PathFinder.find_spec


def _find_spec_without_ext(fullname, path=None, target=None):
    if fullname == 'mmcv._ext':
        return None
    return _find_spec(fullname, path, target)


PathFinder.find_spec = staticmethod(_find_spec_without_ext)
'''


def lite_mmcv_env(folder: str, repo: str) -> dict:
    """Environment variables for a subprocess without ``mmcv._ext``.

    Args:
        folder (str): Where to write the ``sitecustomize.py``.
        repo (str): The checkout, put on PYTHONPATH before the current
            entries.
    """
    with open(osp.join(folder, 'sitecustomize.py'), 'w') as f:
        f.write(HIDE_EXT)
    paths = [str(folder), repo, os.environ.get('PYTHONPATH', '')]
    return {'PYTHONPATH': os.pathsep.join(p for p in paths if p)}
