# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .loading import RobustLoadImageFromFile
from .rotation import RandomRotationWithLabel, RotationWithLabels

__all__ = [
    'RotationWithLabels', 'RandomRotationWithLabel', 'RobustLoadImageFromFile'
]
