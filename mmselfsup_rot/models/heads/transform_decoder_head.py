# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import build_global_pool, feature_vector

Feats = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class TransformDecoderHead(BaseModule):
    """AET decoder: regress the transformation from the features of the
    original and the transformed image.

    Each feature is selected (``in_index``) and pooled to ``(N, C)``; the
    two are concatenated to ``(N, 2C)`` and decoded by optional hidden
    layers (Linear + BN1d + ReLU) and a final Linear. The loss is the mean
    squared error to the target (AET).

    Args:
        in_channels (int): Channels ``C`` of one feature.
        num_params (int): Transformation parameters. Defaults to 8.
        hidden_channels (Sequence[int]): Hidden layer widths. Defaults to
            ``()`` (the official NIN decoder: one Linear on the pooled
            features).
        in_index (int): Element of a tuple of features. Defaults to -1.
        pool_type (str): ``'avg'`` or ``'max'`` for feature maps.
            Defaults to ``'avg'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_params: int = 8,
                 hidden_channels: Sequence[int] = (),
                 in_index: int = -1,
                 pool_type: str = 'avg',
                 loss_weight: float = 1.0,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.num_params = num_params
        self.in_index = in_index
        self.pool = build_global_pool(pool_type, allowed=('avg', 'max'))
        self.loss_weight = loss_weight
        layers = []
        width = 2 * in_channels
        for hidden in hidden_channels:
            layers += [
                nn.Linear(width, hidden, bias=False),
                build_norm_layer(dict(type='BN1d'), hidden)[1],
                nn.ReLU(inplace=True)
            ]
            width = hidden
        layers.append(nn.Linear(width, self.num_outputs))
        self.decoder = nn.Sequential(*layers)

    @property
    def num_outputs(self) -> int:
        """Width of the last layer."""
        return self.num_params

    def _vector(self, feats: Feats) -> torch.Tensor:
        return feature_vector(feats, self.in_index, self.pool,
                              self.in_channels,
                              type(self).__name__)

    def forward(self, feats_orig: Feats, feats_trans: Feats) -> torch.Tensor:
        """Decoder output ``(N, num_outputs)``."""
        return self.decoder(
            torch.cat([self._vector(feats_orig),
                       self._vector(feats_trans)],
                      dim=1))

    def _check_target(self, target: torch.Tensor) -> None:
        if target.dim() != 2 or target.shape[1] != self.num_params:
            raise ValueError(f'{type(self).__name__} predicts '
                             f'{self.num_params} parameters but the target '
                             f'has shape {tuple(target.shape)}; set '
                             'num_params (8 projective, 6 affine).')

    def loss(self, feats_orig: Feats, feats_trans: Feats,
             target: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Mean squared error of the predicted parameters.

        Args:
            feats_orig: Features of the original images.
            feats_trans: Features of the transformed images.
            target (Tensor): ``(N, num_params)`` parameters.

        Returns:
            dict[str, Tensor]: ``loss``.
        """
        self._check_target(target)
        pred = self(feats_orig, feats_trans)
        return dict(loss=F.mse_loss(pred, target) * self.loss_weight)


@MODELS.register_module()
class GaussianTransformDecoderHead(TransformDecoderHead):
    """AVT decoder: a diagonal Gaussian over the transformation parameters.

    The last layer outputs the mean and the log-variance of every
    parameter; the loss is the negative log-likelihood of the target,
    ``0.5 * (log_var + (t - mu)^2 / exp(log_var) + log(2 pi))`` averaged
    over parameters and images, the term of AVT's variational bound that
    the decoder maximises.

    Args:
        min_log_var (float): Lower clamp of the log-variance, which keeps
            the likelihood finite when a prediction is exact.
            Defaults to -10.
        **kwargs: As :class:`TransformDecoderHead`.
    """

    def __init__(self, min_log_var: float = -10., **kwargs) -> None:
        super().__init__(**kwargs)
        self.min_log_var = min_log_var

    @property
    def num_outputs(self) -> int:
        return 2 * self.num_params

    def predict_gaussian(
            self, feats_orig: Feats,
            feats_trans: Feats) -> Tuple[torch.Tensor, torch.Tensor]:
        """Return ``(mean, log_var)``, each ``(N, num_params)``."""
        mean, log_var = self(feats_orig, feats_trans).chunk(2, dim=1)
        return mean, log_var.clamp(min=self.min_log_var)

    @staticmethod
    def nll(mean: torch.Tensor, log_var: torch.Tensor,
            target: torch.Tensor) -> torch.Tensor:
        """Mean Gaussian negative log-likelihood of ``target``."""
        return 0.5 * (log_var + (target - mean)**2 * torch.exp(-log_var) +
                      math.log(2 * math.pi)).mean()

    def loss(self, feats_orig: Feats, feats_trans: Feats,
             target: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Negative log-likelihood, plus the logged squared error.

        Returns:
            dict[str, Tensor]: ``loss`` (NLL), ``mse`` and ``sigma`` (mean
            predicted standard deviation), the last two logged only.
        """
        self._check_target(target)
        mean, log_var = self.predict_gaussian(feats_orig, feats_trans)
        with torch.no_grad():
            mse = F.mse_loss(mean, target)
            sigma = torch.exp(0.5 * log_var).mean()
        return dict(
            loss=self.nll(mean, log_var, target) * self.loss_weight,
            mse=mse,
            sigma=sigma)
