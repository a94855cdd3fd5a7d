# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .rotation import (ROTATION_SETS, parse_angles, rot90_image, rot90_tensor,
                       rotate_image)
from .safe_load import register_checkpoint_safe_globals

__all__ = [
    'ROTATION_SETS', 'parse_angles', 'rot90_image', 'rot90_tensor',
    'rotate_image', 'register_checkpoint_safe_globals'
]
