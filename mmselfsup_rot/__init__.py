# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""mmselfsup_rot: rotation-prediction self-supervised learning for
OpenMMLab.

Importing the package (configs do it through ``custom_imports``) registers
its modules into mmpretrain's registries and lets ``torch.load`` read our
checkpoints in its safe mode.
"""
import warnings

from .utils.safe_load import register_checkpoint_safe_globals
from .version import __version__, version_info

register_checkpoint_safe_globals()
# With mmcv's pure-Python install (the default of tools/bootstrap.sh) mmcv
# warns on import that MultiScaleDeformableAttention, an mmcv.ops module,
# is unavailable. Nothing here uses it; the transfer benchmarks that need
# mmcv.ops check for it themselves.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')

from . import datasets, engine, evaluation, models  # noqa: E402,F401,I001

__all__ = ['__version__', 'version_info']
