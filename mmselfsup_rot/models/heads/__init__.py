# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .linear_probe_head import LinearProbeHead
from .multi_head_linear_head import MultiHeadLinearHead
from .nce_head import NCEHead
from .nin_conv_cls_head import NINConvClsHead
from .online_probe import OnlineLinearProbe
from .rotation_head import RotationHead
from .transform_decoder_head import (GaussianTransformDecoderHead,
                                     TransformDecoderHead)

__all__ = [
    'RotationHead', 'LinearProbeHead', 'NINConvClsHead', 'MultiHeadLinearHead'
]
__all__ += ['OnlineLinearProbe']
__all__ += ['NCEHead', 'TransformDecoderHead', 'GaussianTransformDecoderHead']
