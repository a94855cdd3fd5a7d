# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
from mmpretrain.models.backbones import ResNet

from mmselfsup_rot.models.backbones import ResNetWithStem


def test_stages_equal_mmpretrain_resnet_and_weights_load():
    torch.manual_seed(0)
    plain = ResNet(depth=18, out_indices=(0, 1, 2, 3))
    plain.eval()  # mmpretrain's ResNet.train returns None
    ours = ResNetWithStem(depth=18, out_indices=(0, 2, 4)).eval()
    # same parameter names: a RotationPred backbone loads strictly
    ours.load_state_dict(plain.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        stem, stage2, stage4 = ours(x)
        ref = plain(x)
        ref_stem = plain.relu(plain.norm1(plain.conv1(x)))
    assert torch.equal(stem, ref_stem)
    assert torch.equal(stage2, ref[1])
    assert torch.equal(stage4, ref[3])


def test_frozen_stages_and_bad_indices():
    model = ResNetWithStem(depth=18, frozen_stages=4, out_indices=(0, ))
    assert not any(p.requires_grad for p in model.parameters())
    with pytest.raises(ValueError, match='0 = stem'):
        ResNetWithStem(depth=18, out_indices=(5, ))
