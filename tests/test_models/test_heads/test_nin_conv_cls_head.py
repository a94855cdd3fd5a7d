# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401


def test_conv_classifier_shapes_and_loss():
    head = MODELS.build(
        dict(type='NINConvClsHead', num_classes=10, in_channels=96))
    head.init_weights()
    feats = (torch.randn(4, 96, 16, 16), )
    assert tuple(head(feats).shape) == (4, 10)
    convs = [m for m in head.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size[0]) for c in convs] == [(192, 3),
                                                                   (192, 1),
                                                                   (192, 1)]
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    assert head.loss(feats, samples)['loss'] > 0
    # He-normal (fan-out) init of the new block, as the official NIN
    std = convs[0].weight.std().item()
    assert abs(std - (2 / (9 * 192))**0.5) < 0.1 * std
    with pytest.raises(ValueError, match=r'\(N, 96, H, W\)'):
        head((torch.randn(4, 192, 8, 8), ))
