# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .inat import INaturalist2018
from .k_per_class import KPerClassDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['KPerClassDataset', 'INaturalist2018']
