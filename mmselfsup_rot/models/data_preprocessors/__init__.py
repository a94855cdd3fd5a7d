# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .rotation_data_preprocessor import RotationDataPreprocessor

__all__ = ['RotationDataPreprocessor']
