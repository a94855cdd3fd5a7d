# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Config mistakes fail when the model is built, with a clear message."""
import pytest
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401


def _model(**kwargs):
    cfg = dict(
        type='RotationPred',
        angles='four',
        backbone=dict(type='ResNet', depth=18, out_indices=[3]),
        head=dict(type='RotationHead', num_classes=4, in_channels=512))
    cfg.update(kwargs)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def test_valid_config_builds():
    assert _model().angles == (0, 90, 180, 270)


def test_unknown_rotation_set():
    with pytest.raises(ValueError, match="Unknown rotation set 'six'"):
        _model(angles='six')


def test_head_classes_do_not_match_rotations():
    with pytest.raises(
            ValueError,
            match=r'rotation set mismatch: model angles \(0, 180\) \(2 '
            r'classes\) vs head.num_classes 4; state the set once in '
            r'model.angles$'):
        _model(angles='two_0_180')


def test_head_feature_index_not_output_by_backbone():
    with pytest.raises(
            ValueError,
            match=r'head.in_index=1 does not exist: '
            r'the backbone outputs 1 feature map\(s\)'):
        _model(head=dict(type='RotationHead', in_channels=512, in_index=1))


def test_unknown_pooling():
    with pytest.raises(ValueError, match="pool_type must be one of"):
        _model(
            head=dict(type='RotationHead', in_channels=512, pool_type='gem'))


def test_non_right_angles_on_device_refused():
    with pytest.raises(ValueError, match='right angles only'):
        _model(
            angles='eight',
            head=dict(type='RotationHead', num_classes=8, in_channels=512),
            data_preprocessor=dict(
                type='RotationDataPreprocessor', angles='eight'))
