# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS

from ..backbones.nin import make_nin_block
from ..utils import KAIMING_INIT_CFG


@MODELS.register_module()
class NINConvClsHead(ClsHead):
    """The RotNet paper's "conv" classifier for frozen CIFAR-10 features.

    A new, trainable NIN block of the block-3 kind (3x3 -> 192, 1x1 -> 192,
    1x1 -> 192, BN + ReLU each), global average pooling and
    ``Linear(192, num_classes)``, on top of one block of a frozen
    :class:`~mmselfsup_rot.models.backbones.NIN`.

    Args:
        num_classes (int): Number of categories.
        in_channels (int): Channels of the selected feature map (96 after
            NIN block 1, 192 after later blocks).
        channels (int): Width of the new block. Defaults to 192.
        in_index (int): Which element of the backbone's tuple to use.
            Defaults to -1.
        norm_cfg (dict): Norm config of the new block. Defaults to BN.
        init_cfg (dict | list[dict], optional): Initialisation config.
            Defaults to He-normal convs, BN weight 1, and a zero bias for
            the classifier.
        **kwargs: Passed to :class:`mmpretrain.models.heads.ClsHead`
            (``loss``, ``topk``, ``cal_acc``).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 channels: int = 192,
                 in_index: int = -1,
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg: Optional[Union[dict,
                                          List[dict]]] = KAIMING_INIT_CFG,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.in_index = in_index
        self.block = make_nin_block(in_channels, (channels, ) * 3, 3, norm_cfg)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def pre_logits(
            self, feats: Union[torch.Tensor,
                               Sequence[torch.Tensor]]) -> torch.Tensor:
        """The pooled output ``(N, channels)`` of the new block."""
        if isinstance(feats, (tuple, list)):
            feats = feats[self.in_index]
        if feats.dim() != 4 or feats.shape[1] != self.in_channels:
            raise ValueError(
                f'NINConvClsHead expects (N, {self.in_channels}, H, W) '
                f'feature maps, got {tuple(feats.shape)}.')
        return self.pool(self.block(feats)).flatten(1)

    def forward(
            self, feats: Union[torch.Tensor,
                               Sequence[torch.Tensor]]) -> torch.Tensor:
        """Return class scores ``(N, num_classes)``."""
        return self.fc(self.pre_logits(feats))
