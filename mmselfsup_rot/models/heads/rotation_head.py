# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import build_global_pool, feature_vector


@MODELS.register_module()
class RotationHead(BaseModule):
    """Rotation classifier: optional pooling, then a linear layer over the
    rotation classes, with its loss.

    It accepts what backbones return: a tuple of stage outputs (ResNet with
    ``out_indices``), a single feature map ``(N, C, H, W)`` or a feature
    vector ``(N, C)``. ``in_index`` picks the tuple element (the last one by
    default); feature maps are pooled to ``(N, C)``.

    Args:
        num_classes (int): Number of rotation classes ``K``.
            Defaults to 4.
        in_channels (int): Channels of the selected feature.
            Defaults to 2048.
        in_index (int): Which element of a tuple of features to use.
            Defaults to -1.
        pool_type (str): ``'avg'``, ``'max'`` or ``'none'`` (feature vectors
            only). Defaults to ``'avg'``.
        dropout (float): Dropout before the classifier. Defaults to 0.
        loss (dict): Config of the loss. Defaults to cross-entropy.
        init_cfg (dict, optional): Initialisation config. Defaults to a
            normal init of the classifier (std 0.01), as in mmselfsup.
    """

    def __init__(
        self,
        num_classes: int = 4,
        in_channels: int = 2048,
        in_index: int = -1,
        pool_type: str = 'avg',
        dropout: float = 0.,
        loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg: Optional[Union[dict, list]] = dict(
            type='Normal', std=0.01, layer='Linear')
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_classes < 2:
            raise ValueError(f'num_classes must be at least 2, got '
                             f'{num_classes}.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.in_index = in_index
        self.pool = build_global_pool(pool_type)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes)
        self.loss_module = MODELS.build(loss) if isinstance(loss,
                                                            dict) else loss

    def pre_logits(
            self, feats: Union[torch.Tensor,
                               Sequence[torch.Tensor]]) -> torch.Tensor:
        """Select and pool the feature into ``(N, in_channels)``."""
        return feature_vector(feats, self.in_index, self.pool,
                              self.in_channels, 'RotationHead',
                              'set head.in_channels')

    def forward(
            self, feats: Union[torch.Tensor,
                               Sequence[torch.Tensor]]) -> torch.Tensor:
        """Return rotation logits ``(N, num_classes)``."""
        return self.fc(self.dropout(self.pre_logits(feats)))

    def check_labels(self, rot_labels: torch.Tensor) -> None:
        """Refuse a rotation label the head has no class for.

        Args:
            rot_labels (Tensor): Rotation labels on the host.
        """
        top = int(rot_labels.max()) if rot_labels.numel() else 0
        if top >= self.num_classes:
            raise ValueError(f'Rotation label {top} out of range for a head '
                             f'with {self.num_classes} classes; set '
                             'head.num_classes to the number of angles.')

    def loss(self,
             feats: Union[torch.Tensor, Tuple[torch.Tensor]],
             rot_labels: torch.Tensor,
             weight: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Rotation cross-entropy and accuracy.

        Args:
            feats: Backbone features of the rotated images.
            rot_labels (Tensor): ``(N, )`` rotation labels.
            weight (Tensor, optional): ``(N, )`` per-sample weights of the
                loss (Feature Decoupling's PU weights). Defaults to None.

        Returns:
            dict[str, Tensor]: ``loss`` and ``acc_rot`` (percent; logged,
            not optimised; unweighted).
        """
        logits = self(feats)
        if rot_labels.device.type == 'cpu':
            # on an accelerator the check would wait for the device every
            # step: labels made there come from the model's own angles,
            # and the algorithms check the loader's on the host
            self.check_labels(rot_labels)
        if weight is None:
            loss = self.loss_module(logits, rot_labels)
        else:
            loss = self.loss_module(logits, rot_labels, weight=weight)
        with torch.no_grad():
            acc = (logits.argmax(1) == rot_labels).float().mean() * 100
        return dict(loss=loss, acc_rot=acc)
