# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Generators of miniature datasets in the real on-disk layouts.

Tests, the demo and the docs' examples use them in place of downloads.
"""
from .imagenet import make_digits_imagenet, make_imagenet
from .voc import VOC_CLASSES, make_voc, voc_palette

__all__ = ['make_imagenet', 'make_digits_imagenet']
__all__ += ['VOC_CLASSES', 'make_voc', 'voc_palette']
