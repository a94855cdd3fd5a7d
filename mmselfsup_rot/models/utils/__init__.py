# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .init_cfg import KAIMING_INIT_CFG

__all__ = ['KAIMING_INIT_CFG']
