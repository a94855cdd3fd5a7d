# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Initialisation configs shared by the models."""
from typing import List

#: The official RotNet initialisation (gidariss/FeatureLearningRotNet):
#: He-normal convolutions (fan-out, ReLU gain), BatchNorm weight 1 and
#: bias 0. ``BaseModule`` deep-copies its ``init_cfg``, so modules can take
#: this list as their default without sharing it.
KAIMING_INIT_CFG: List[dict] = [
    dict(type='Kaiming', layer='Conv2d', mode='fan_out', nonlinearity='relu'),
    dict(type='Constant', val=1, layer=['_BatchNorm'])
]
