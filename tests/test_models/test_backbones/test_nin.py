# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

import mmselfsup_rot  # noqa: F401


def _nin(**kwargs):
    return MODELS.build(dict(type='NIN', **kwargs))


@pytest.mark.parametrize('num_stages', [3, 4, 5])
def test_shapes_of_every_block(num_stages):
    model = _nin(num_stages=num_stages, out_indices=range(num_stages))
    outs = model(torch.randn(2, 3, 32, 32))
    expected = [(2, 96, 16, 16)] + [(2, 192, 8, 8)] * (num_stages - 1)
    assert [tuple(o.shape) for o in outs] == expected


def test_avg_pool_after_block3():
    model = _nin(num_stages=4, out_indices=(2, 3), avg_pool_after_block3=True)
    outs = model(torch.randn(1, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(1, 192, 4, 4)] * 2
    # with 3 blocks the pool is never added (as in the official code)
    three = _nin(num_stages=3, avg_pool_after_block3=True)
    assert tuple(three(torch.randn(1, 3, 32, 32))[0].shape) == (1, 192, 8, 8)


def test_architecture_matches_reference():
    model = _nin(num_stages=4)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0])
            for c in convs] == [(3, 192, 5), (192, 160, 1), (160, 96, 1),
                                (96, 192, 5), (192, 192, 1),
                                (192, 192, 1)] + [(192, 192, 3), (192, 192, 1),
                                                  (192, 192, 1)] * 2
    assert all(c.bias is None for c in convs)
    assert isinstance(model.blocks[0][3], torch.nn.MaxPool2d)
    assert isinstance(model.blocks[1][3], torch.nn.AvgPool2d)
    assert len(model.blocks[2]) == 3  # no pool after block 3 by default


def test_negative_and_bad_out_indices():
    model = _nin(num_stages=3, out_indices=(-1, ))
    assert model.out_indices == (2, )
    with pytest.raises(ValueError, match='out of range'):
        _nin(num_stages=3, out_indices=(3, ))
    with pytest.raises(ValueError, match='at least one block'):
        _nin(num_stages=0)


def test_frozen_stages_get_no_gradient_and_stay_in_eval():
    model = _nin(num_stages=4, frozen_stages=2)
    model.init_weights()
    model.train()
    for idx, block in enumerate(model.blocks):
        frozen = idx < 2
        assert all(p.requires_grad != frozen for p in block.parameters())
        assert all(m.training != frozen for m in block.modules()
                   if isinstance(m, _BatchNorm))
    before = [p.clone() for p in model.blocks[0].parameters()]
    stats = model.blocks[0][0].bn.running_mean.clone()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.randn(2, 3, 32, 32))[0].sum().backward()
    opt.step()
    after = model.blocks[0].parameters()
    assert all(torch.equal(a, b) for a, b in zip(before, after))
    assert torch.equal(stats, model.blocks[0][0].bn.running_mean)
    assert model.blocks[3][0].conv.weight.grad is not None


def test_norm_eval_keeps_running_statistics():
    model = _nin(num_stages=3, norm_eval=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns and not any(m.training for m in bns)
    stats = [m.running_mean.clone() for m in bns]
    model(torch.randn(2, 3, 32, 32))
    assert all(torch.equal(a, m.running_mean) for a, m in zip(stats, bns))
    plain = _nin(num_stages=3)
    plain.train()
    plain(torch.randn(2, 3, 32, 32))
    assert not torch.equal(plain.blocks[0][0].bn.running_mean,
                           torch.zeros(192))


@pytest.mark.parametrize('prefix', ['backbone.', None])
def test_pretrained_init_with_and_without_prefix(tmp_path, prefix):
    source = _nin(num_stages=4)
    source.init_weights()
    state = source.state_dict()
    if prefix:
        state = {prefix + k: v for k, v in state.items()}
        state['head.fc.weight'] = torch.zeros(4, 192)
    path = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': state}, path)
    init_cfg = dict(type='Pretrained', checkpoint=str(path))
    if prefix:
        init_cfg['prefix'] = prefix
    # a truncated network loads the first blocks of a 4-block checkpoint
    target = _nin(num_stages=2, init_cfg=init_cfg)
    target.init_weights()
    for key, value in target.state_dict().items():
        assert torch.equal(value, source.state_dict()[key]), key
