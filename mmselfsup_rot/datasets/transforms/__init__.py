# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .rotation import RandomRotationWithLabel, RotationWithLabels

__all__ = ['RotationWithLabels', 'RandomRotationWithLabel']
