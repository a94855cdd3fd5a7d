# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import build_global_pool, feature_vector


@MODELS.register_module()
class FeatureSplitNeck(BaseModule):
    """Split a feature vector channel-wise into consecutive parts.

    Feature Decoupling splits the 4096-d fc7 feature of AlexNet into a
    rotation-related half (first 2048 channels) and a rotation-invariant
    half (last 2048). Feature maps are pooled to vectors first.

    Args:
        split (Sequence[int]): Sizes of the parts; they must add up to the
            channels of the feature. Defaults to ``(2048, 2048)``.
        in_index (int): Which element of a tuple of backbone outputs to
            split. Defaults to -1.
        pool_type (str): ``'avg'`` or ``'max'`` pooling of feature maps.
            Defaults to ``'avg'``.
        init_cfg (dict, optional): Initialisation config (no weights).
    """

    def __init__(self,
                 split: Sequence[int] = (2048, 2048),
                 in_index: int = -1,
                 pool_type: str = 'avg',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not split or any(int(s) < 1 for s in split):
            raise ValueError(f'split must list positive sizes, got {split}.')
        self.split = [int(s) for s in split]
        self.in_index = in_index
        self.pool = build_global_pool(pool_type, allowed=('avg', 'max'))

    def forward(
        self, feats: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> Tuple[torch.Tensor, ...]:
        """Return the parts, each ``(N, split[i])``."""
        feats = feature_vector(feats, self.in_index, self.pool,
                               sum(self.split), 'FeatureSplitNeck',
                               f'adjust split {self.split}')
        return tuple(torch.split(feats, self.split, dim=1))
