# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .loading import RobustLoadImageFromFile
from .rotation import RandomRotationWithLabel, RotationWithLabels
from .transformation_sampler import (AffineTransformSampler,
                                     ProjectiveTransformSampler)

__all__ = [
    'RotationWithLabels', 'RandomRotationWithLabel', 'RobustLoadImageFromFile'
]
__all__ += ['ProjectiveTransformSampler', 'AffineTransformSampler']
