# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .bad_image_hook import BadImageHook
from .epoch_seed_hook import EpochSeedHook
from .global_loss_hook import GlobalLossHook
from .non_finite_loss_hook import NonFiniteLossHook
from .rotation_set_hook import RotationSetHook

__all__ = [
    'EpochSeedHook', 'AtomicCheckpointHook', 'BadImageHook',
    'NonFiniteLossHook', 'GlobalLossHook', 'RotationSetHook'
]
