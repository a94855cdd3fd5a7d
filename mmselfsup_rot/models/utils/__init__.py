# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .feature_vector import POOL_TYPES, build_global_pool, feature_vector
from .init_cfg import KAIMING_INIT_CFG

__all__ = [
    'KAIMING_INIT_CFG', 'POOL_TYPES', 'build_global_pool', 'feature_vector'
]
