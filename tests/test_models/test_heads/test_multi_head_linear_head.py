# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
from mmpretrain.structures import DataSample

from mmselfsup_rot.evaluation.metrics import MultiHeadAccuracy
from mmselfsup_rot.models.heads import MultiHeadLinearHead


def _head():
    head = MultiHeadLinearHead(
        num_classes=3,
        in_channels=[4, 6],
        layer_names=['conv1', 'conv2'],
        loss=dict(type='CrossEntropyLoss'))
    head.init_weights()
    return head


def test_loss_is_sum_of_independent_heads():
    torch.manual_seed(0)
    head = _head()
    feats = (torch.randn(5, 4), torch.randn(5, 2, 3))  # 2nd gets flattened
    samples = [DataSample().set_gt_label(i % 3) for i in range(5)]
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss', 'conv1_ce', 'conv2_ce'}
    torch.testing.assert_close(losses['loss'],
                               losses['conv1_ce'] + losses['conv2_ce'])
    losses['loss'].backward()
    # each head only receives gradients through its own layer
    assert head.heads[0][1].weight.grad.abs().sum() > 0
    assert head.heads[1][1].weight.grad.abs().sum() > 0


def test_predict_and_multi_head_accuracy():
    head = _head().eval()
    with torch.no_grad():
        for idx, lin in enumerate(h[1] for h in head.heads):
            lin.weight.zero_()
            lin.bias.copy_(
                torch.tensor([0., 0., 1.]) if idx ==
                0 else torch.tensor([1., 0., 0.]))
    feats = (torch.randn(4, 4), torch.randn(4, 6))
    samples = [DataSample().set_gt_label(0) for _ in range(4)]
    preds = head.predict(feats, samples)
    assert preds[0].multi_head_scores.shape == (2, 3)
    assert int(preds[0].pred_label) == 0  # last head
    metric = MultiHeadAccuracy(topk=(1, 2, 5))
    metric.process(None, [p.to_dict() for p in preds])
    res = metric.evaluate(4)
    # conv1 always says class 2 (label 0 is its 2nd choice), conv2 class 0
    assert res == {
        'multi-head/conv1_top1': 0.0,
        'multi-head/conv1_top2': 100.0,
        'multi-head/conv2_top1': 100.0,
        'multi-head/conv2_top2': 100.0
    }


def test_mismatched_inputs_are_clear():
    head = _head()
    with pytest.raises(ValueError, match='2 heads'):
        head((torch.randn(2, 4), ))
    with pytest.raises(ValueError, match='expects 6 dims'):
        head((torch.randn(2, 4), torch.randn(2, 5)))
    with pytest.raises(ValueError, match='layer_names'):
        MultiHeadLinearHead(3, [4, 6], layer_names=['a'])
