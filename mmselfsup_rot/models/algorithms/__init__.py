# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .aet import AET, AVT
from .base import BasePretextTask
from .feature_decoupling import FeatureDecoupling
from .rotation_pred import RotationPred

__all__ = ['RotationPred']
__all__ += ['FeatureDecoupling', 'AET', 'AVT', 'BasePretextTask']
