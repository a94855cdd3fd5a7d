# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""mmselfsup_rot: rotation-prediction self-supervised learning for
OpenMMLab.

Importing the package (configs do it through ``custom_imports``) registers
its modules into mmpretrain's registries and lets ``torch.load`` read our
checkpoints in its safe mode.
"""
from .utils.safe_load import register_checkpoint_safe_globals
from .version import __version__, version_info

register_checkpoint_safe_globals()

from . import datasets, engine, evaluation, models  # noqa: E402,F401,I001

__all__ = ['__version__', 'version_info']
