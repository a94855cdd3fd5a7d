# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .multi_head_accuracy import MultiHeadAccuracy
from .online_probe_accuracy import OnlineProbeAccuracy
from .rotation_accuracy import RotationAccuracy

__all__ = ['RotationAccuracy', 'MultiHeadAccuracy', 'OnlineProbeAccuracy']
