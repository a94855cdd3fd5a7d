# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch

from mmselfsup_rot.models.backbones import ResNetWithStem, RotNetAlexNet
from mmselfsup_rot.models.necks import MultiPooling


def test_resnet50_pooling_gives_published_dims_at_224px():
    # one real forward: feature1 (stem) .. feature5 (stage 4) of ResNet-50
    backbone = ResNetWithStem(depth=50).eval()
    with torch.no_grad():
        feats = backbone(torch.randn(1, 3, 224, 224))
    assert [f.shape[1:] for f in feats] == [(64, 112, 112), (256, 56, 56),
                                            (512, 28, 28), (1024, 14, 14),
                                            (2048, 7, 7)]
    outs = MultiPooling('resnet50')(feats)
    assert [o.shape for o in outs] == [(1, 9216), (1, 9216), (1, 8192),
                                       (1, 9216), (1, 8192)]


def test_alexnet_pooling_gives_paper_dims_at_224px():
    backbone = RotNetAlexNet(out_indices=(0, 1, 2, 3, 4)).eval()
    with torch.no_grad():
        outs = MultiPooling('alexnet')(backbone(torch.randn(1, 3, 224, 224)))
    # 64x12x12, 192x7x7, 384x5x5, 256x6x6, 256x6x6
    assert [o.shape[1] for o in outs] == [9216, 9408, 9600, 9216, 9216]


def test_layer_indices_select_presets_and_values_are_avg_pools():
    neck = MultiPooling('resnet50', layer_indices=[4])
    x = torch.randn(2, 2048, 7, 7)
    (out, ) = neck((x, ))
    expected = torch.stack([
        x[:, :, 0:6, 0:6].mean((2, 3)), x[:, :, 0:6, 1:7].mean(
            (2, 3)), x[:, :, 1:7, 0:6].mean((2, 3)), x[:, :, 1:7, 1:7].mean(
                (2, 3))
    ], -1).flatten(1)
    torch.testing.assert_close(out, expected)


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match='preset'):
        MultiPooling('vgg')
    with pytest.raises(ValueError, match='out of range'):
        MultiPooling('alexnet', layer_indices=[5])
    with pytest.raises(ValueError, match='Pooling type'):
        MultiPooling([dict(type='Conv2d')])
    with pytest.raises(ValueError, match='feature maps'):
        MultiPooling('resnet50')((torch.randn(1, 64, 112, 112), ))
