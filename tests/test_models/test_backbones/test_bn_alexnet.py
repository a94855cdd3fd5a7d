# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

import mmselfsup_rot  # noqa: F401


def _alexnet(**kwargs):
    return MODELS.build(dict(type='RotNetAlexNet', **kwargs))


@pytest.mark.parametrize('size,spatial', [(224, (55, 27, 13, 13, 13)),
                                          (64, (15, 7, 3, 3, 3))])
def test_shapes_of_every_output(size, spatial):
    model = _alexnet(with_fc=True, out_indices=range(6))
    model.eval()
    with torch.no_grad():
        outs = model(torch.randn(2, 3, size, size))
    channels = (64, 192, 384, 256, 256)
    assert [tuple(o.shape) for o in outs[:5]
            ] == [(2, c, s, s) for c, s in zip(channels, spatial)]
    assert tuple(outs[5].shape) == (2, 4096)


def test_default_outputs_and_bad_arguments():
    model = _alexnet()
    assert model.out_indices == (4, ) and not hasattr(model, 'fc_block')
    assert _alexnet(with_fc=True).out_indices == (5, )
    with pytest.raises(ValueError, match='out of range'):
        _alexnet(out_indices=(5, ))  # fc7 needs with_fc
    with pytest.raises(ValueError, match='at least 63 px'):
        model(torch.randn(1, 3, 32, 32))


def test_architecture_matches_reference():
    model = _alexnet(with_fc=True)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size[0], c.stride[0], c.padding[0])
            for c in convs] == [(64, 11, 4, 2), (192, 5, 1, 2), (384, 3, 1, 1),
                                (256, 3, 1, 1), (256, 3, 1, 1)]
    assert all(c.bias is not None for c in convs)
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features, m.bias)
            for m in linears] == [(9216, 4096, None), (4096, 4096, None)]
    assert not any(isinstance(m, torch.nn.Dropout) for m in model.modules())


def test_adaptive_pool5_is_identity_at_224():
    model = _alexnet(with_fc=True, out_indices=(4, 5))
    model.eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        conv5, fc7 = model(x)
        pool5 = torch.nn.functional.max_pool2d(conv5, 3, 2)
        assert pool5.shape[-2:] == (6, 6)
        assert torch.allclose(fc7, model.fc_block(pool5.flatten(1)))


def test_frozen_stages_and_norm_eval():
    model = _alexnet(with_fc=True, frozen_stages=3, norm_eval=False)
    model.train()
    for idx, conv in enumerate(model.convs):
        frozen = idx < 3
        assert all(p.requires_grad != frozen for p in conv.parameters())
        assert conv.bn.training != frozen
    assert all(p.requires_grad for p in model.fc_block.parameters())
    before = model.convs[0].conv.weight.clone()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.randn(2, 3, 64, 64))[0].sum().backward()
    opt.step()
    assert torch.equal(before, model.convs[0].conv.weight)
    assert model.convs[4].conv.weight.grad is not None

    all_frozen = _alexnet(with_fc=True, frozen_stages=6)
    assert not any(p.requires_grad for p in all_frozen.parameters())

    norm_eval = _alexnet(norm_eval=True)
    norm_eval.train()
    bns = [m for m in norm_eval.modules() if isinstance(m, _BatchNorm)]
    assert bns and not any(m.training for m in bns)
    assert norm_eval.convs[0].conv.training


@pytest.mark.parametrize('prefix', [None, 'backbone.'])
def test_pretrained_init_with_and_without_prefix(tmp_path, prefix):
    """A RotationPred checkpoint (``backbone.`` prefix, fc block included)
    or backbone-only weights initialise the conv-only network exactly."""
    source = MODELS.build(dict(type='RotNetAlexNet', with_fc=True))
    source.init_weights()
    with torch.no_grad():  # BN statistics as after training
        for module in source.modules():
            if isinstance(module, _BatchNorm):
                module.running_mean.uniform_(-1, 1)
    state = source.state_dict()
    if prefix:
        state = {prefix + k: v for k, v in state.items()}
        state['head.fc.weight'] = torch.zeros(4, 4096)
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': state}, path)
    init_cfg = dict(type='Pretrained', checkpoint=str(path))
    if prefix:
        init_cfg['prefix'] = prefix
    target = MODELS.build(dict(type='RotNetAlexNet', init_cfg=init_cfg))
    target.init_weights()
    loaded = target.state_dict()
    assert loaded and not any(k.startswith('fc_block') for k in loaded)
    for key, value in loaded.items():
        assert torch.equal(value, source.state_dict()[key]), key
