# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .rotation_accuracy import RotationAccuracy

__all__ = ['RotationAccuracy']
