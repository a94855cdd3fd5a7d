# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The online probe inside the pretext-task models: it trains on the class
labels of the unrotated (or original) images and leaves the pretraining
bit for bit as it is without it, under an optimizer with weight decay,
a bias ``paramwise_cfg`` and gradient clipping."""
import copy

import numpy as np
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401

NUM_CLASSES = 3
PROBE = dict(
    type='OnlineLinearProbe',
    stages=[0, 1],
    in_channels=[96, 192],
    num_classes=NUM_CLASSES,
    lr=0.5)
BACKBONE = dict(type='NIN', num_stages=2)
OPTIM = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-3),
    paramwise_cfg=dict(bias_decay_mult=0.),
    clip_grad=dict(max_norm=0.5))


def _cfg(kind, probe):
    if kind == 'RotationPred':
        cfg = dict(
            type='RotationPred',
            data_preprocessor=dict(
                type='RotationDataPreprocessor', flip_prob=0.5),
            backbone=BACKBONE,
            head=dict(type='RotationHead', in_channels=192, dropout=0.5))
    elif kind == 'FeatureDecoupling':
        cfg = dict(
            type='FeatureDecoupling',
            data_preprocessor=dict(type='RotationDataPreprocessor'),
            backbone=BACKBONE,
            neck=dict(type='FeatureSplitNeck', split=[96, 96]),
            head=dict(
                type='RotationHead',
                in_channels=96,
                in_index=0,
                pool_type='none'),
            nce_head=dict(
                type='NCEHead', in_channels=96, feat_dim=16, num_negatives=8),
            memory_bank=dict(
                type='InstanceMemoryBank', num_samples=16, feat_dim=16))
    else:
        cfg = dict(
            type='AET',
            backbone=BACKBONE,
            head=dict(type='TransformDecoderHead', in_channels=192))
    if probe:
        cfg['online_probe'] = PROBE
    return cfg


def _batch(kind, step, num=8, size=16):
    gen = torch.Generator().manual_seed(step)
    labels = torch.arange(num) % NUM_CLASSES
    imgs = torch.rand(num, 3, size, size, generator=gen) * 64
    # a class cue the probe can learn: brightness of one channel
    imgs[torch.arange(num), labels] += 150
    samples = []
    for idx, label in enumerate(labels):
        sample = DataSample(metainfo=dict(sample_idx=(step * num + idx) % 16))
        sample.set_gt_label(int(label))
        samples.append(sample)
    if kind == 'AET':
        for sample in samples:
            sample.set_field(torch.randn(8, generator=gen), 'transform_target')
        views = [imgs, imgs.flip(-1)]
        return dict(inputs=views, data_samples=samples)
    return dict(inputs=imgs, data_samples=samples)


def _train(kind, probe, steps=3):
    torch.manual_seed(0)
    np.random.seed(0)
    model = MODELS.build(_cfg(kind, probe))
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, copy.deepcopy(OPTIM))
    logs = [
        model.train_step(_batch(kind, step), optim_wrapper)
        for step in range(steps)
    ]
    state = {
        k: v
        for k, v in model.state_dict().items()
        if not k.startswith('online_probe.')
    }
    return model, state, logs, torch.get_rng_state()


@pytest.mark.parametrize('kind', ['RotationPred', 'FeatureDecoupling', 'AET'])
def test_probe_leaves_pretraining_bit_identical(kind):
    _, plain, plain_logs, plain_rng = _train(kind, probe=False)
    model, probed, logs, rng = _train(kind, probe=True)
    assert plain.keys() == probed.keys()
    for key in plain:
        assert torch.equal(plain[key], probed[key]), key
    assert torch.equal(plain_rng, rng)
    for before, after in zip(plain_logs, logs):
        for key, value in before.items():
            assert torch.equal(value, after[key]), key
        extra = set(after) - set(before)
        assert extra == {'probe_ce', 'probe_acc_stage1', 'probe_acc_stage2'}
    # the probe trained; the backbone still outputs what the head needs
    fresh = MODELS.build(PROBE)
    assert not torch.equal(model.online_probe.classifiers[0].weight,
                           fresh.classifiers[0].weight)
    assert list(model.backbone.out_indices) == [0, 1]


@pytest.mark.parametrize('kind', ['RotationPred', 'AET'])
def test_probe_learns_the_classes_and_predicts_them(kind):
    model = MODELS.build(_cfg(kind, probe=True))
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, copy.deepcopy(OPTIM))
    first = last = None
    for step in range(15):
        log = model.train_step(_batch(kind, step), optim_wrapper)
        first = first or float(log['probe_ce'])
        last = float(log['probe_ce'])
    assert last < 0.5 * first
    model.eval()
    data = model.data_preprocessor(_batch(kind, 99), False)
    with torch.no_grad():
        samples = model(**data, mode='predict')
    scores = torch.stack([s.probe_scores for s in samples])
    assert scores.shape == (8, 2, NUM_CLASSES)
    assert samples[0].probe_stage_names == ['stage1', 'stage2']
    # the scores of the unrotated (original) view, first in the batch
    with torch.no_grad():
        feats = model.backbone(data['inputs'][0])
        expected = model.online_probe(feats).softmax(-1)
    assert torch.allclose(scores, expected, atol=1e-6)


def test_probe_reads_the_angle_zero_copies():
    """The probe's training batch is the unrotated view: with the copies
    stacked view-major, rows ``[N * k0, N * (k0 + 1))`` for angle 0 at
    position ``k0`` of the rotation set."""
    model = MODELS.build(
        dict(
            _cfg('RotationPred', probe=True),
            angles=[90, 0, 180, 270],
            head=dict(type='RotationHead', in_channels=192)))
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    assert model._unrotated_rows(labels).tolist() == [2, 3]
    batch = model.data_preprocessor(_batch('RotationPred', 0), True)
    stacked, _ = model._stack_views(batch['inputs'])
    rows = model._unrotated_rows(
        model._rot_labels(batch['data_samples'], 4, stacked.device))
    assert rows.tolist() == list(range(8, 16))
    assert torch.equal(stacked[rows], batch['inputs'][1])


def test_probe_config_errors():
    with pytest.raises(ValueError, match='out of range'):
        MODELS.build(
            dict(
                _cfg('RotationPred', probe=False),
                online_probe=dict(PROBE, stages=[0, 2], in_channels=[96,
                                                                     192])))
    with pytest.raises(ValueError, match='2 stages but 1 in_channels'):
        MODELS.build(dict(PROBE, in_channels=[96]))
    model = MODELS.build(
        dict(_cfg('RotationPred', probe=True), angles='two_90_270'))
    with pytest.raises(ValueError, match=r'has no 0'):
        model.train_step(
            _batch('RotationPred', 0),
            build_optim_wrapper(model, copy.deepcopy(OPTIM)))
