# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import torch
from mmpretrain.registry import MODELS

from mmselfsup_rot.models.backbones import InputPixels


def test_outputs_the_input_and_has_no_parameters():
    backbone = InputPixels()
    x = torch.randn(2, 3, 8, 8)
    (out, ) = backbone(x)
    assert out is x
    assert list(backbone.parameters()) == []


def test_pixel_probe_is_a_linear_classifier_on_the_pixels():
    # the raw-pixel baseline of the digits probes: the same classifier,
    # neck and head as the per-layer probes
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='InputPixels'),
            neck=dict(
                type='MultiPooling',
                pools=[dict(type='AdaptiveAvgPool2d', output_size=8)]),
            head=dict(
                type='MultiHeadLinearHead',
                num_classes=10,
                in_channels=[3 * 8 * 8],
                layer_names=['pixels'])))
    model.eval()
    x = torch.randn(4, 3, 32, 32)
    (feats, ) = model.extract_feat(x)
    # each feature is the mean of a 4x4 block of the input
    blocks = x.unfold(2, 4, 4).unfold(3, 4, 4).mean((-1, -2))
    torch.testing.assert_close(feats, blocks.flatten(1))
    # only the head learns: BN(affine=False) has no parameters
    names = [n for n, _ in model.named_parameters()]
    assert names == ['head.heads.0.1.weight', 'head.heads.0.1.bias']
    (sample, ) = model.predict(x[:1])
    assert sample.multi_head_scores.shape == (1, 10)
    assert sample.layer_names == ['pixels']
