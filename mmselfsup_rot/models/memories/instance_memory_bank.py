# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import math
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.dist import all_gather, get_world_size
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class InstanceMemoryBank(BaseModule):
    """Memory bank of one L2-normalised embedding per training image.

    The bank of non-parametric instance discrimination (Wu et al., CVPR
    2018) as used by Feature Decoupling: slot ``i`` holds a running average
    of the embeddings of dataset image ``i`` (``sample_idx``), updated as
    ``normalize(momentum * m_i + (1 - momentum) * v_i)``.

    The bank is a buffer, so it is saved in checkpoints and restored on
    resume. Under distributed training :meth:`update` gathers the
    embeddings and indices of all processes first, so every process applies
    the same update and the banks stay identical; an index that occurs more
    than once in a step (the sampler pads the last batch by repeating
    images) is updated once, from its first occurrence in rank order.

    Args:
        num_samples (int): Number of slots, the length of the training set.
        feat_dim (int): Embedding dimension. Defaults to 128.
        momentum (float): Weight of the old slot value. Defaults to 0.5.
        seed (int): Seed of the initial values (uniform in
            ``[-1/sqrt(feat_dim/3), 1/sqrt(feat_dim/3)]``, as the official
            code); a fixed seed gives every process the same bank.
            Defaults to 0.
        init_cfg (dict, optional): Initialisation config (unused).
    """

    def __init__(self,
                 num_samples: int,
                 feat_dim: int = 128,
                 momentum: float = 0.5,
                 seed: int = 0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_samples < 1 or feat_dim < 1:
            raise ValueError('InstanceMemoryBank needs num_samples >= 1 and '
                             f'feat_dim >= 1, got {num_samples} and '
                             f'{feat_dim}.')
        if not 0 <= momentum < 1:
            raise ValueError(f'momentum must be in [0, 1), got {momentum}.')
        self.num_samples = num_samples
        self.feat_dim = feat_dim
        self.momentum = momentum
        stdv = 1. / math.sqrt(feat_dim / 3)
        generator = torch.Generator().manual_seed(seed)
        bank = torch.rand(num_samples, feat_dim, generator=generator)
        self.register_buffer('bank', bank.mul_(2 * stdv).sub_(stdv))

    def check_indices(self, indices: torch.Tensor) -> None:
        """Raise a clear error for indices outside the bank."""
        if indices.numel() and (int(indices.min()) < 0
                                or int(indices.max()) >= self.num_samples):
            raise ValueError(
                f'sample_idx {int(indices.max())} does not fit a memory bank '
                f'of {self.num_samples} slots; set num_samples of the memory '
                'bank to the length of the training set.')

    def sample(self, num_rows: int, num_cols: int) -> torch.Tensor:
        """Draw ``(num_rows, num_cols)`` slot indices uniformly."""
        return torch.randint(
            self.num_samples, (num_rows, num_cols), device=self.bank.device)

    @torch.no_grad()
    def update(self, feats: torch.Tensor, indices: torch.Tensor) -> None:
        """Move the slots of ``indices`` towards ``feats``.

        Args:
            feats (Tensor): ``(N, feat_dim)`` embeddings of this process.
            indices (Tensor): ``(N, )`` dataset indices of the images.
        """
        feats = feats.detach().to(self.bank.dtype)
        indices = indices.to(self.bank.device).long().view(-1)
        if get_world_size() > 1:
            feats, indices = self._gather(feats, indices)
        self.check_indices(indices)
        slots, inverse = torch.unique(indices, return_inverse=True)
        positions = torch.arange(len(indices), device=indices.device)
        first = torch.full_like(slots, len(indices)).scatter_reduce_(
            0, inverse, positions, reduce='amin')
        mixed = self.bank[slots] * self.momentum + feats[first] * (
            1 - self.momentum)
        self.bank.index_copy_(0, slots, F.normalize(mixed, dim=1))

    @staticmethod
    def _gather(feats: torch.Tensor, indices: torch.Tensor):
        """All-gather features and indices, allowing unequal batches."""
        size = torch.tensor([len(indices)], device=indices.device)
        sizes = [int(s) for s in all_gather(size)]
        longest = max(sizes)
        pad = longest - len(indices)
        feats = F.pad(feats, (0, 0, 0, pad))
        indices = F.pad(indices, (0, pad))
        gathered_feats = all_gather(feats)
        gathered_indices = all_gather(indices)
        feats = torch.cat([f[:n] for f, n in zip(gathered_feats, sizes)])
        indices = torch.cat([i[:n] for i, n in zip(gathered_indices, sizes)])
        return feats, indices
