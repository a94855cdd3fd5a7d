# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .linear_probe_head import LinearProbeHead
from .rotation_head import RotationHead

__all__ = ['RotationHead', 'LinearProbeHead']
