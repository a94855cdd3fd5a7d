# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .rotation_pred import RotationPred

__all__ = ['RotationPred']
