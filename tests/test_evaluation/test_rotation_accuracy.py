# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""RotationAccuracy: counts, per-angle accuracy and naming, on hand-made
predictions and on the outputs of a RotationPred."""
import numpy as np
import pytest
import torch
from mmpretrain.registry import METRICS, MODELS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.evaluation.metrics import RotationAccuracy


def _sample(pred, label):
    sample = DataSample()
    sample.set_field(torch.tensor(pred), 'rot_pred')
    sample.set_field(torch.tensor(label), 'rot_label')
    return sample.to_dict()


def _evaluate(metric, pairs):
    metric.process(None, [_sample(p, t) for p, t in pairs])
    return metric.evaluate(len(pairs))


def test_overall_and_per_angle_accuracy_exact():
    # 3 images x 4 views; label k at view k
    pairs = [([0, 1, 2, 3], [0, 1, 2, 3]), ([0, 3, 2, 1], [0, 1, 2, 3]),
             ([1, 1, 2, 3], [0, 1, 2, 3])]
    metrics = _evaluate(RotationAccuracy(), pairs)
    assert metrics == {
        'rotation/accuracy': 9 / 12 * 100,
        'rotation/accuracy_0deg': 2 / 3 * 100,
        'rotation/accuracy_90deg': 2 / 3 * 100,
        'rotation/accuracy_180deg': 100.0,
        'rotation/accuracy_270deg': 2 / 3 * 100,
    }


def test_names_follow_the_rotation_set_and_skip_absent_angles():
    metric = METRICS.build(dict(type='RotationAccuracy', angles='two_0_180'))
    metrics = _evaluate(metric, [([1], [1]), ([0], [1])])  # one view each
    assert metrics == {
        'rotation/accuracy': 50.0,
        'rotation/accuracy_180deg': 50.0
    }


def test_confusion_matrix_counts():
    labels = np.array([[0, 1, 2, 3], [0, 1, 2, 3]])
    preds = np.array([[0, 1, 2, 1], [0, 3, 2, 3]])
    np.testing.assert_array_equal(
        RotationAccuracy.confusion_matrix(preds, labels, 4),
        [[2, 0, 0, 0], [0, 1, 0, 1], [0, 0, 2, 0], [0, 1, 0, 1]])


def test_same_numbers_as_the_direct_formula():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 8, 1000)
    preds = np.where(rng.random(1000) < 0.7, labels, rng.integers(0, 8, 1000))
    angles = tuple(range(0, 360, 45))
    metrics = RotationAccuracy.calculate(
        RotationAccuracy.confusion_matrix(preds, labels, 8), angles)
    assert metrics['accuracy'] == float((preds == labels).mean() * 100)
    for k, angle in enumerate(angles):
        assert metrics[f'accuracy_{angle}deg'] == float(
            (preds[labels == k] == k).mean() * 100)


def test_labels_outside_the_rotation_set_are_refused():
    with pytest.raises(
            ValueError,
            match=r'^rot_label 5 is out of range for a rotation set of 4 '
            r'angles; state the set once in model.angles$'):
        RotationAccuracy.confusion_matrix(np.zeros(2), np.array([0, 5]), 4)
    with pytest.raises(ValueError, match='2 predictions for 3'):
        RotationAccuracy.confusion_matrix(np.zeros(2), np.zeros(3), 4)


def test_on_the_predictions_of_a_rotation_model():
    model = MODELS.build(
        dict(
            type='RotationPred',
            angles='two_90_270',
            data_preprocessor=dict(
                type='RotationDataPreprocessor', mean=[0.] * 3, std=[1.] * 3),
            backbone=dict(type='NIN', num_stages=1),
            head=dict(type='RotationHead', in_channels=96)))
    model.init_weights()
    torch.manual_seed(0)
    data = dict(
        inputs=torch.randint(0, 255, (5, 3, 16, 16), dtype=torch.uint8),
        data_samples=[DataSample() for _ in range(5)])
    samples = model.eval().val_step(data)
    preds = torch.stack([s.rot_pred for s in samples])  # (5, 2)
    metric = RotationAccuracy(angles='two_90_270')
    metric.process(data, [s.to_dict() for s in samples])
    metrics = metric.evaluate(5)
    right = preds == torch.arange(2)
    assert metrics['rotation/accuracy'] == float(right.double().mean() * 100)
    assert metrics.get('rotation/accuracy_90deg') == float(
        right[:, 0].double().mean() * 100)
    assert metrics.get('rotation/accuracy_270deg') == float(
        right[:, 1].double().mean() * 100)
