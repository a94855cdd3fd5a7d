# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401


def _probe(**kwargs):
    cfg = dict(
        type='OnlineLinearProbe',
        stages=[0, 2],
        in_channels=[4, 6],
        num_classes=3,
        lr=0.5,
        seed=7)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_initialisation_uses_its_own_generator_only():
    state = torch.get_rng_state()
    probe = _probe()
    assert torch.equal(torch.get_rng_state(), state)
    again = _probe()
    for a, b in zip(probe.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    weight = probe.classifiers[1].weight.clone()
    with torch.no_grad():
        probe.classifiers[1].weight.add_(1)
    probe.init_weights()  # the same draw again
    assert torch.equal(probe.classifiers[1].weight, weight)
    assert torch.equal(torch.get_rng_state(), state)
    assert not _probe(seed=8).classifiers[0].weight.equal(
        probe.classifiers[0].weight)
    # nothing of the pretraining's optimizer machinery sees it
    assert not any(p.requires_grad for p in probe.parameters())
    assert probe.stage_names == ('stage1', 'stage3')


def test_update_is_sgd_with_momentum_on_standardised_pooled_features():
    probe = _probe(momentum=0.5)
    torch.manual_seed(0)
    feats = [torch.randn(5, 4, 3, 3), torch.randn(5, 6)]
    labels = torch.tensor([0, 1, 2, 0, 1])
    clf = probe.classifiers[0]
    weight = clf.weight.clone().requires_grad_()
    bias = clf.bias.clone().requires_grad_()
    pooled = feats[0].mean((2, 3))
    normed = (pooled - pooled.mean(0)) / (pooled.var(0, unbiased=False) +
                                          1e-5).sqrt()
    ce = F.cross_entropy(F.linear(normed, weight, bias), labels)
    grad_w, grad_b = torch.autograd.grad(ce, [weight, bias])
    logs = probe.update(feats, labels)
    assert set(logs) == {'probe_ce', 'probe_acc_stage1', 'probe_acc_stage3'}
    assert torch.allclose(clf.weight, weight - 0.5 * grad_w, atol=1e-6)
    assert torch.allclose(clf.bias, bias - 0.5 * grad_b, atol=1e-6)
    assert torch.allclose(clf.weight_momentum, grad_w, atol=1e-6)
    # second step: buffer = 0.5 * buffer + grad
    probe.update(feats, labels)
    assert not torch.allclose(clf.weight_momentum, grad_w)
    # running statistics moved towards the batch's
    assert torch.allclose(clf.running_mean, 0.19 * pooled.mean(0), atol=1e-6)


def test_update_learns_and_forward_scores():
    probe = _probe()
    torch.manual_seed(0)
    labels = torch.arange(30) % 3
    feats = [torch.randn(30, 4, 2, 2), torch.randn(30, 6)]
    feats[1][torch.arange(30), labels] += 3
    first = probe.update(feats, labels)['probe_ce']
    for _ in range(30):
        last = probe.update(feats, labels)['probe_ce']
    assert last < 0.5 * first
    logits = probe(feats)
    assert logits.shape == (30, 2, 3)
    assert (logits[:, 1].argmax(-1) == labels).all()
    assert probe.update([f[:1] for f in feats], labels[:1]) == {}


def test_bad_configs():
    with pytest.raises(ValueError, match='2 stages but 1 in_channels'):
        _probe(in_channels=[4])
    with pytest.raises(ValueError, match='distinct non-negative'):
        _probe(stages=[0, -1])
    with pytest.raises(ValueError, match='lr > 0'):
        _probe(lr=0)
    probe = _probe()
    with pytest.raises(
            ValueError,
            match='stage stage3 expects 6 input channels but the '
            'feature has 5; set online_probe.in_channels'):
        probe([torch.randn(2, 4), torch.randn(2, 5)])
