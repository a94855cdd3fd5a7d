# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401


def _sample(label, scores=None):
    sample = DataSample().set_gt_label(label)
    if scores is not None:
        sample.set_field(torch.tensor(scores), 'probe_scores')
        sample.set_field(['stage1', 'stage2'],
                         'probe_stage_names',
                         field_type='metainfo')
    return sample.to_dict()


def test_per_stage_top1_over_the_scored_images():
    metric = METRICS.build(dict(type='OnlineProbeAccuracy'))
    metric.dataset_meta = {}
    metric.process(
        None,
        [
            _sample(0, [[0.9, 0.1], [0.2, 0.8]]),
            _sample(1, [[0.6, 0.4], [0.3, 0.7]]),
            _sample(1),  # no unrotated copy in this batch: left out
        ])
    metric.process(None, [_sample(1, [[0.1, 0.9], [0.4, 0.6]])])
    assert metric.evaluate(4) == {
        'online-probe/stage1_top1': pytest.approx(200 / 3),
        'online-probe/stage2_top1': pytest.approx(200 / 3),
    }


def test_nothing_scored_reports_nothing():
    metric = METRICS.build(dict(type='OnlineProbeAccuracy'))
    metric.process(None, [_sample(0), _sample(1)])
    assert metric.evaluate(2) == {}
