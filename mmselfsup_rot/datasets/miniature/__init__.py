# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Generators of miniature datasets in the real on-disk layouts.

Tests, the demo and the docs' examples use them in place of downloads.
"""
from .cifar import cifar10_checksums_skipped, make_cifar10
from .cityscapes import make_cityscapes
from .coco import COCO_CLASSES, make_coco
from .imagenet import (make_digits_imagenet, make_imagenet,
                       make_imagenet_download)
from .inat import make_inat2018
from .places205 import make_places205
from .voc import VOC_CLASSES, make_voc, voc_palette

__all__ = [
    'make_imagenet', 'make_imagenet_download', 'make_digits_imagenet',
    'make_cifar10', 'cifar10_checksums_skipped'
]
__all__ += ['VOC_CLASSES', 'make_voc', 'voc_palette']
__all__ += ['COCO_CLASSES', 'make_coco', 'make_cityscapes']
__all__ += ['make_inat2018', 'make_places205']
