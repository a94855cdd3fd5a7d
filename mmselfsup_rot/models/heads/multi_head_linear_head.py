# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class MultiHeadLinearHead(ClsHead):
    """One linear classifier per backbone layer, all trained together.

    The multi-head linear evaluation of mmselfsup (ResNet-50 feature1..5)
    and of the RotNet paper (AlexNet conv1..5): each pooled and flattened
    layer goes through its own ``BatchNorm1d(affine=False)`` and ``Linear``.
    The heads do not interact (the backbone is frozen), so summing their
    losses trains each one exactly as if it were trained alone.

    Args:
        num_classes (int): Number of categories.
        in_channels (Sequence[int]): Flattened dimension of each layer.
        layer_names (Sequence[str], optional): A name per layer, used in the
            loss keys and by :class:`MultiHeadAccuracy`. Defaults to
            ``feature1``, ``feature2``...
        with_norm (bool): Use the affine-free BatchNorm. Defaults to True.
        **kwargs: Passed to :class:`mmpretrain.models.heads.ClsHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: Sequence[int],
                 layer_names: Optional[Sequence[str]] = None,
                 with_norm: bool = True,
                 init_cfg: Optional[Union[dict, list]] = [
                     dict(type='Normal', std=0.01, layer='Linear'),
                 ],
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        in_channels = list(in_channels)
        if layer_names is None:
            layer_names = [f'feature{i + 1}' for i in range(len(in_channels))]
        if len(layer_names) != len(in_channels):
            raise ValueError(f'{len(layer_names)} layer_names for '
                             f'{len(in_channels)} in_channels.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.layer_names = list(layer_names)
        self.heads = nn.ModuleList(
            nn.Sequential(
                nn.BatchNorm1d(c, affine=False) if with_norm else nn.Identity(
                ), nn.Linear(c, num_classes)) for c in in_channels)

    def forward(self, feats: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        """Return one ``(N, num_classes)`` score tensor per layer."""
        if len(feats) != len(self.heads):
            raise ValueError(f'MultiHeadLinearHead has {len(self.heads)} '
                             f'heads but got {len(feats)} features.')
        scores = []
        for head, channels, x in zip(self.heads, self.in_channels, feats):
            x = x.flatten(1)
            if x.shape[1] != channels:
                raise ValueError(f'A head expects {channels} dims, got '
                                 f'{x.shape[1]}; check the neck pooling.')
            scores.append(head(x))
        return scores

    def loss(self, feats: Tuple[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> dict:
        """Sum of the per-layer losses, also logged one by one."""
        target = torch.cat([s.gt_label for s in data_samples])
        losses = dict()
        total = 0.
        for name, score in zip(self.layer_names, self(feats)):
            loss = self.loss_module(
                score, target, avg_factor=score.size(0), **kwargs)
            # only 'loss*' keys are summed by mmengine: keep this a metric
            losses[f'{name}_ce'] = loss.detach()
            total = total + loss
        losses['loss'] = total
        return losses

    def predict(
        self,
        feats: Tuple[torch.Tensor],
        data_samples: Optional[List[Optional[DataSample]]] = None
    ) -> List[DataSample]:
        """Set ``multi_head_scores`` ``(num_layers, num_classes)`` and, from
        the last layer, ``pred_score``/``pred_label`` on each sample."""
        scores = torch.stack([F.softmax(s, dim=1) for s in self(feats)], 1)
        if data_samples is None:
            data_samples = [None] * scores.size(0)
        outs = []
        for sample, score in zip(data_samples, scores):
            sample = DataSample() if sample is None else sample
            sample.set_field(score.detach(), 'multi_head_scores')
            sample.set_field(
                self.layer_names, 'layer_names', field_type='metainfo')
            sample.set_pred_score(score[-1]).set_pred_label(
                score[-1].argmax(keepdim=True))
            outs.append(sample)
        return outs
