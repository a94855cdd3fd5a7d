# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS

from ..utils import build_global_pool, feature_vector


@MODELS.register_module()
class LinearProbeHead(ClsHead):
    """Linear classifier for evaluating frozen features.

    A parameter-free ``BatchNorm1d(affine=False)`` in front of the linear
    layer (as in the RotNet and mmselfsup linear protocols) makes the probe
    insensitive to the scale of the features, so probes of different
    backbones (pretrained or random) are compared fairly with one learning
    rate. Feature maps are globally average-pooled.

    Args:
        num_classes (int): Number of categories.
        in_channels (int): Feature dimension after pooling.
        with_norm (bool): Use the affine-free BatchNorm. Defaults to True.
        in_index (int): Which element of a tuple of features to use.
            Defaults to -1.
        **kwargs: Passed to :class:`mmpretrain.models.heads.ClsHead`
            (``loss``, ``topk``, ``cal_acc``, ``init_cfg``).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 with_norm: bool = True,
                 in_index: int = -1,
                 init_cfg: Optional[Union[dict, list]] = dict(
                     type='Normal', std=0.01, layer='Linear'),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.in_index = in_index
        self.pool = build_global_pool('avg')
        self.norm = nn.BatchNorm1d(
            in_channels, affine=False) if with_norm else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes)

    def pre_logits(
            self, feats: Union[torch.Tensor,
                               Sequence[torch.Tensor]]) -> torch.Tensor:
        """Select, pool and normalise the feature to ``(N, C)``."""
        feats = feature_vector(feats, self.in_index, self.pool,
                               self.in_channels, 'LinearProbeHead')
        return self.norm(feats)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Return class scores ``(N, num_classes)``."""
        return self.fc(self.pre_logits(feats))
