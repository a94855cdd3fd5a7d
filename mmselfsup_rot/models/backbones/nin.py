# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmpretrain.registry import MODELS

from ..utils import KAIMING_INIT_CFG
from .staged_backbone import StagedBackbone


def make_nin_block(in_channels: int,
                   channels: Sequence[int],
                   kernel_size: int,
                   norm_cfg: dict = dict(type='BN'),
                   pool: Optional[str] = None) -> nn.Sequential:
    """One Network-in-Network block: a ``kernel_size`` conv then two 1x1
    convs, each without bias and followed by norm + ReLU, then an optional
    ``'max'`` or ``'avg'`` pool (3x3, stride 2, padding 1).

    Args:
        in_channels (int): Input channels.
        channels (Sequence[int]): Output channels of the three convs.
        kernel_size (int): Kernel of the first conv (odd; 'same' padding).
        norm_cfg (dict): Norm layer config. Defaults to BN.
        pool (str, optional): Pool after the convs. Defaults to None.

    Returns:
        nn.Sequential: Items ``0..2`` are ``ConvModule`` s, item 3 the
        pool if any.
    """
    layers = []
    for idx, out_channels in enumerate(channels):
        kernel = kernel_size if idx == 0 else 1
        layers.append(
            ConvModule(
                in_channels,
                out_channels,
                kernel,
                padding=(kernel - 1) // 2,
                bias=False,
                norm_cfg=norm_cfg,
                act_cfg=dict(type='ReLU')))
        in_channels = out_channels
    pools = {
        'max': nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        'avg': nn.AvgPool2d(kernel_size=3, stride=2, padding=1),
    }
    if pool is not None:
        layers.append(pools[pool])
    return nn.Sequential(*layers)


@MODELS.register_module()
class NIN(StagedBackbone):
    """Network-in-Network of the RotNet CIFAR-10 study.

    The architecture of gidariss/FeatureLearningRotNet's
    ``NetworkInNetwork``: three convs per block (BN + ReLU each, no bias).

    - block 1: 5x5 -> 192, 1x1 -> 160, 1x1 -> 96, max-pool (3, 2, 1);
    - block 2: 5x5 -> 192, 1x1 -> 192, 1x1 -> 192, avg-pool (3, 2, 1);
    - block 3 and later: 3x3 -> 192, 1x1 -> 192, 1x1 -> 192 (with
      ``avg_pool_after_block3`` and more than 3 blocks, an avg-pool (3, 2, 1)
      ends block 3; the RotNet CIFAR recipe turns it off).

    Output shapes for a ``(N, 3, 32, 32)`` input (index ``i`` = block
    ``i + 1``): 0 -> ``(N, 96, 16, 16)``, 1 -> ``(N, 192, 8, 8)``, 2 and
    later -> ``(N, 192, 8, 8)`` (``(N, 192, 4, 4)`` from block 3 on with
    ``avg_pool_after_block3``). The rotation classifier (global average
    pool + Linear(192, K)) is
    :class:`~mmselfsup_rot.models.heads.RotationHead`.

    The paper uses 3, 4 or 5 blocks; fewer blocks give the truncated
    feature extractors of the evaluation protocols (e.g. blocks 1-2 under a
    conv classifier), with the same parameter names, so that a 4-block
    checkpoint loads into them.

    Args:
        num_stages (int): Number of blocks. Defaults to 4.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (Sequence[int] | int): Blocks to return (0-based).
            Defaults to ``(-1, )``, the last block.
        avg_pool_after_block3 (bool): See above. Defaults to False.
        frozen_stages (int): Blocks to freeze (eval mode, no gradients),
            counted from block 1. Defaults to -1 (none).
        norm_eval (bool): Keep BatchNorm layers in eval mode while training.
            Defaults to False.
        norm_cfg (dict): Norm layer config. Defaults to BN.
        init_cfg (dict | list[dict], optional): Initialisation config.
            Defaults to the official init: He-normal convs (fan-out), BN
            weight 1 and bias 0.
    """

    def __init__(
        self,
        num_stages: int = 4,
        in_channels: int = 3,
        out_indices: Union[int, Sequence[int]] = (-1, ),
        avg_pool_after_block3: bool = False,
        frozen_stages: int = -1,
        norm_eval: bool = False,
        norm_cfg: dict = dict(type='BN'),
        init_cfg: Optional[Union[dict,
                                 List[dict]]] = KAIMING_INIT_CFG) -> None:
        if num_stages < 1:
            raise ValueError(f'NIN needs at least one block, got '
                             f'num_stages={num_stages}.')
        super().__init__(num_stages, out_indices, frozen_stages, norm_eval,
                         init_cfg)
        self.num_stages = num_stages
        wide = (192, 192, 192)
        blocks = [
            make_nin_block(in_channels, (192, 160, 96), 5, norm_cfg, 'max')
        ]
        if num_stages > 1:
            blocks.append(make_nin_block(96, wide, 5, norm_cfg, 'avg'))
        for idx in range(2, num_stages):
            pool = 'avg' if (idx == 2 and num_stages > 3
                             and avg_pool_after_block3) else None
            blocks.append(make_nin_block(192, wide, 3, norm_cfg, pool))
        self.blocks = nn.ModuleList(blocks)
        self._freeze_stages()

    def _stage_modules(self, index: int) -> List[nn.Module]:
        return [self.blocks[index]]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs of the blocks in ``out_indices``."""
        outs = []
        for idx, block in enumerate(self.blocks):
            x = block(x)
            if idx in self.out_indices:
                outs.append(x)
        return tuple(outs)
