# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Downstream evaluation: frozen-feature extraction, VOC07 (low-shot) SVM,
kNN, ImageNet subsets for semi-supervised fine-tuning and the glue that
hands our backbones to mmdet/mmseg."""
from .extract import extract_features, load_features, save_features
from .knn import knn_classify
from .low_shot import aggregate_low_shot, low_shot_svm, sample_low_shot_targets
from .pretrained import load_backbone_weights, save_backbone_checkpoint
from .subsets import make_subset_ann
from .svm import svm_benchmark, voc_average_precision

__all__ = [
    'extract_features', 'save_features', 'load_features', 'knn_classify',
    'sample_low_shot_targets', 'low_shot_svm', 'aggregate_low_shot',
    'load_backbone_weights', 'save_backbone_checkpoint', 'make_subset_ann',
    'svm_benchmark', 'voc_average_precision'
]
