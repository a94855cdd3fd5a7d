# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_reduce
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class NCEHead(BaseModule):
    """Non-parametric instance discrimination with noise-contrastive
    estimation (Wu et al., CVPR 2018), the invariance loss of Feature
    Decoupling.

    The input feature is projected (``Linear(in_channels, feat_dim)``) and
    L2-normalised to ``v``. For each image, its own memory slot and
    ``num_negatives`` uniformly drawn slots ``m_j`` give
    ``P(j|v) = exp(v . m_j / T) / Z``. The normaliser ``Z`` is estimated
    once, on the first batch, as ``mean(exp(v . m / T)) * num_samples``
    (averaged over processes) and then kept fixed; it is a buffer, so a
    resumed run keeps it. With the noise distribution ``P_n = 1 /
    num_samples`` and ``K`` negatives the loss is

    ``-[log(P_0 / (P_0 + K P_n)) + sum_j log(K P_n / (P_j + K P_n))]``

    averaged over the batch.

    Args:
        in_channels (int): Channels of the invariant feature.
            Defaults to 2048.
        feat_dim (int): Embedding dimension. Defaults to 128.
        num_negatives (int): Noise samples per image. Defaults to 4096.
        temperature (float): Temperature ``T``. Defaults to 0.07.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        eps (float): Keeps the logarithms finite. Defaults to 1e-7.
        init_cfg (dict, optional): Initialisation config. Defaults to
            PyTorch's default Linear init, as the official code.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 feat_dim: int = 128,
                 num_negatives: int = 4096,
                 temperature: float = 0.07,
                 loss_weight: float = 1.0,
                 eps: float = 1e-7,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_negatives < 1 or temperature <= 0:
            raise ValueError('NCEHead needs num_negatives >= 1 and '
                             f'temperature > 0, got {num_negatives} and '
                             f'{temperature}.')
        self.in_channels = in_channels
        self.num_negatives = num_negatives
        self.temperature = temperature
        self.loss_weight = loss_weight
        self.eps = eps
        self.fc = nn.Linear(in_channels, feat_dim)
        # -1 until estimated on the first training batch
        self.register_buffer('normalizer', torch.tensor(-1.))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        """Return the L2-normalised embeddings ``(N, feat_dim)``."""
        if feats.dim() != 2 or feats.shape[1] != self.in_channels:
            raise ValueError(f'NCEHead expects (N, {self.in_channels}) '
                             f'features, got {tuple(feats.shape)}; set '
                             'in_channels to the invariant feature size.')
        return F.normalize(self.fc(feats), dim=1)

    def loss(self, feats: torch.Tensor, indices: torch.Tensor,
             memory_bank: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
        """NCE loss of the embeddings against the memory bank.

        Args:
            feats (Tensor): ``(N, in_channels)`` invariant features.
            indices (Tensor): ``(N, )`` dataset indices (memory slots).
            memory_bank (nn.Module): An
                :class:`~mmselfsup_rot.models.memories.InstanceMemoryBank`.

        Returns:
            tuple[Tensor, Tensor]: The weighted loss and the embeddings
            (for the memory bank update).
        """
        embeds = self(feats)
        memory_bank.check_indices(indices)
        slots = memory_bank.sample(len(indices), self.num_negatives + 1)
        slots[:, 0] = indices
        weights = memory_bank.bank[slots].detach()  # (N, K + 1, D)
        scores = torch.exp(
            torch.bmm(weights, embeds.unsqueeze(2)).squeeze(2) /
            self.temperature)
        num_samples = memory_bank.num_samples
        if self.normalizer < 0:
            estimate = scores.detach().mean() * num_samples
            all_reduce(estimate, op='mean')  # in place, same Z everywhere
            self.normalizer.copy_(estimate)
        probs = scores / self.normalizer
        noise = self.num_negatives / num_samples  # K * P_n
        log_pos = torch.log(probs[:, 0] / (probs[:, 0] + noise + self.eps))
        log_neg = torch.log(noise / (probs[:, 1:] + noise + self.eps))
        loss = -(log_pos.sum() + log_neg.sum()) / len(indices)
        return loss * self.loss_weight, embeds
