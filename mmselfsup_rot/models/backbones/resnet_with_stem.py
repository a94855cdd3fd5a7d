# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Sequence, Tuple

import torch
from mmpretrain.models.backbones import ResNet
from mmpretrain.registry import MODELS


@MODELS.register_module()
class ResNetWithStem(ResNet):
    """mmpretrain's ResNet that can also output its stem.

    The mmselfsup benchmarks (VOC07 SVM, multi-head linear evaluation) read
    five ResNet features: ``feature1`` is the stem (conv1 + BN + ReLU,
    before the max-pool, 1/2 resolution) and ``feature2..5`` are the four
    stages. mmpretrain's ResNet only outputs stages, so here index 0 is the
    stem and indices 1..4 are the stages. The weights and their names are
    those of :class:`mmpretrain.models.backbones.ResNet`, so RotationPred
    checkpoints load unchanged.

    Args:
        out_indices (Sequence[int]): Outputs among 0 (stem) and 1..4
            (stages). Defaults to ``(0, 1, 2, 3, 4)``.
        **kwargs: Passed to :class:`mmpretrain.models.backbones.ResNet`.
    """

    def __init__(self, out_indices: Sequence[int] = (0, 1, 2, 3, 4),
                 **kwargs) -> None:
        num_stages = kwargs.get('num_stages', 4)
        out_indices = tuple(out_indices)
        if not out_indices or any(not 0 <= idx <= num_stages
                                  for idx in out_indices):
            raise ValueError(
                f'ResNetWithStem out_indices must be in 0..{num_stages} '
                f'(0 = stem), got {out_indices}.')
        super().__init__(out_indices=(num_stages - 1, ), **kwargs)
        self.out_indices = out_indices

    def train(self, mode: bool = True) -> 'ResNetWithStem':
        """As ResNet's (frozen stages, ``norm_eval``), but return ``self``
        like ``nn.Module.train`` so that ``model.eval()`` chains."""
        super().train(mode)
        return self

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the requested feature maps, in ``out_indices`` order."""
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        feats = {0: x}
        x = self.maxpool(x)
        last = max(self.out_indices)
        for i, layer_name in enumerate(self.res_layers[:last], start=1):
            x = getattr(self, layer_name)(x)
            feats[i] = x
        return tuple(feats[idx] for idx in self.out_indices)
