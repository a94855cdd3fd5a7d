# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

# Pooling of each backbone layer so that every layer gives about 9k dims.
POOLING_PRESETS: Dict[str, List[dict]] = {
    # mmselfsup / FAIR benchmark, ResNet-50 feature1 (stem) .. feature5
    # at 224 px: 9216, 9216, 8192, 9216, 8192 dims.
    'resnet50': [
        dict(type='AvgPool2d', kernel_size=10, stride=10, padding=4),
        dict(type='AvgPool2d', kernel_size=16, stride=8, padding=0),
        dict(type='AvgPool2d', kernel_size=13, stride=5, padding=0),
        dict(type='AvgPool2d', kernel_size=8, stride=3, padding=0),
        dict(type='AvgPool2d', kernel_size=6, stride=1, padding=0),
    ],
    # RotNet paper, AlexNet conv1 .. conv5 linear probes.
    'alexnet': [
        dict(type='AdaptiveMaxPool2d', output_size=12),
        dict(type='AdaptiveMaxPool2d', output_size=7),
        dict(type='AdaptiveMaxPool2d', output_size=5),
        dict(type='AdaptiveMaxPool2d', output_size=6),
        dict(type='AdaptiveMaxPool2d', output_size=6),
    ],
}
_POOL_TYPES = ('AvgPool2d', 'MaxPool2d', 'AdaptiveAvgPool2d',
               'AdaptiveMaxPool2d')


def _build_pool(cfg: dict) -> nn.Module:
    cfg = dict(cfg)
    pool_type = cfg.pop('type', None)
    if pool_type not in _POOL_TYPES:
        raise ValueError(f'Pooling type must be one of {_POOL_TYPES}, got '
                         f'{pool_type!r}.')
    return getattr(nn, pool_type)(**cfg)


@MODELS.register_module()
class MultiPooling(BaseModule):
    """Pool and flatten several backbone feature maps.

    Used by feature extraction (VOC07 SVM) and multi-head linear evaluation
    to turn each backbone layer into a vector of comparable size.

    Args:
        pools (str | Sequence[dict]): A preset name (``'resnet50'``:
            avg-pool (kernel, stride, padding) (10,10,4), (16,8,0),
            (13,5,0), (8,3,0), (6,1,0) for feature1..5; ``'alexnet'``:
            adaptive max-pool to 12, 7, 5, 6, 6 for conv1..5) or one
            ``torch.nn`` pooling config per layer, e.g.
            ``dict(type='AvgPool2d', kernel_size=6, stride=1)``.
        layer_indices (Sequence[int], optional): Which entries of
            ``pools`` to use, one per input feature map (for a backbone
            that outputs only some layers). Defaults to all.
        flatten (bool): Return ``(N, D)`` vectors. Defaults to True.
    """

    def __init__(self,
                 pools: Union[str, Sequence[dict]] = 'resnet50',
                 layer_indices: Optional[Sequence[int]] = None,
                 flatten: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(pools, str):
            if pools not in POOLING_PRESETS:
                raise ValueError(
                    f'Unknown pooling preset {pools!r}; expected one of '
                    f'{sorted(POOLING_PRESETS)} or a list of dicts.')
            pools = POOLING_PRESETS[pools]
        pools = list(pools)
        if layer_indices is None:
            layer_indices = range(len(pools))
        layer_indices = list(layer_indices)
        if any(not 0 <= i < len(pools) for i in layer_indices):
            raise ValueError(f'layer_indices {layer_indices} out of range '
                             f'for {len(pools)} pooling configs.')
        self.layer_indices = layer_indices
        self.pools = nn.ModuleList(
            _build_pool(pools[i]) for i in layer_indices)
        self.flatten = flatten

    def forward(self,
                inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """Pool each of ``inputs`` with its own pooling layer."""
        if isinstance(inputs, torch.Tensor):
            inputs = (inputs, )
        if len(inputs) != len(self.pools):
            raise ValueError(
                f'MultiPooling got {len(inputs)} feature maps but has '
                f'{len(self.pools)} pooling layers (layer_indices='
                f'{self.layer_indices}); match the backbone out_indices.')
        outs = []
        for pool, x in zip(self.pools, inputs):
            x = pool(x)
            outs.append(x.flatten(1) if self.flatten else x)
        return tuple(outs)
