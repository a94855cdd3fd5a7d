# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .feature_split_neck import FeatureSplitNeck
from .flatten_neck import FlattenNeck
from .multi_pooling import POOLING_PRESETS, MultiPooling

__all__ = ['FlattenNeck', 'MultiPooling', 'POOLING_PRESETS']
__all__ += ['FeatureSplitNeck']
