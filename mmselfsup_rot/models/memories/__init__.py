# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .instance_memory_bank import InstanceMemoryBank

__all__ = ['InstanceMemoryBank']
