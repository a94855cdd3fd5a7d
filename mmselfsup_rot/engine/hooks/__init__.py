# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .bad_image_hook import BadImageHook
from .epoch_seed_hook import EpochSeedHook
from .final_metrics_hook import FinalMetricsHook
from .global_loss_hook import GlobalLossHook
from .non_finite_loss_hook import NonFiniteLossHook
from .pretrained_loaded_hook import (PretrainedLoadedHook,
                                     PretrainedMismatchError, key_examples)
from .rotation_set_hook import RotationSetHook

__all__ = [
    'EpochSeedHook', 'AtomicCheckpointHook', 'BadImageHook',
    'NonFiniteLossHook', 'GlobalLossHook', 'RotationSetHook',
    'FinalMetricsHook', 'PretrainedLoadedHook', 'PretrainedMismatchError',
    'key_examples'
]
