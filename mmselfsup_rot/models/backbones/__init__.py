# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .bn_alexnet import RotNetAlexNet
from .input_pixels import InputPixels
from .nin import NIN
from .resnet_with_stem import ResNetWithStem

__all__ = ['RotNetAlexNet', 'InputPixels', 'NIN', 'ResNetWithStem']
