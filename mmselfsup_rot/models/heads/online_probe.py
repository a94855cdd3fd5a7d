# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from ..utils import feature_vector


class _StageClassifier(nn.Module):
    """``BN(affine=False)`` + linear classifier of one stage, with the
    momentum buffers of its own SGD.

    Its parameters never require gradients, so that no optimizer, gradient
    clipping, loss scaler or DDP reducer of the pretraining sees them; the
    probe computes their gradients itself. The class is not a subclass of
    ``nn.Linear`` on purpose: an ``init_cfg`` with ``layer='Linear'`` on an
    enclosing module must not reinitialise it (drawing from the global
    RNG).
    """

    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(
            torch.empty(num_classes, in_channels), requires_grad=False)
        self.bias = nn.Parameter(torch.empty(num_classes), requires_grad=False)
        self.register_buffer('running_mean', torch.zeros(in_channels))
        self.register_buffer('running_var', torch.ones(in_channels))
        self.register_buffer('weight_momentum', torch.zeros_like(self.weight))
        self.register_buffer('bias_momentum', torch.zeros_like(self.bias))


@MODELS.register_module()
class OnlineLinearProbe(BaseModule):
    """Linear classifiers of chosen backbone stages, trained on the class
    labels during pretraining ("online" linear evaluation).

    Each stage's feature map is globally average-pooled, detached and
    standardised by a ``BatchNorm1d(affine=False)``; a linear layer per
    stage predicts the class. The probe trains itself (:meth:`update`) by
    SGD with momentum, its own learning rate and no weight decay, in the
    pretraining step, and never changes the pretraining:

    - it reads detached features: no gradient reaches the backbone;
    - its parameters do not require gradients, so the pretraining
      optimizer, its ``paramwise_cfg``, gradient clipping, AMP loss scaling
      and the DDP reducer never see them (the probe all-reduces its own
      gradients across processes);
    - it draws its initial weights from its own ``torch.Generator`` and
      nothing from the global RNGs.

    Args:
        stages (Sequence[int]): Backbone output indices to probe (the
            backbone's ``out_indices`` numbering, non-negative).
        in_channels (Sequence[int]): Channels of each probed stage.
        num_classes (int): Number of classes of the dataset.
        stage_names (Sequence[str], optional): Names of the stages in the
            logs. Defaults to ``stage{i + 1}`` for index ``i`` (ResNet's
            ``out_indices`` 0..3 are its stages 1..4).
        lr (float): Learning rate of the probe's SGD. Defaults to 0.1.
        momentum (float): Momentum of the probe's SGD. Defaults to 0.9.
        seed (int): Seed of the probe's initial weights. Defaults to 0.
    """

    def __init__(self,
                 stages: Sequence[int],
                 in_channels: Sequence[int],
                 num_classes: int,
                 stage_names: Optional[Sequence[str]] = None,
                 lr: float = 0.1,
                 momentum: float = 0.9,
                 seed: int = 0) -> None:
        super().__init__(init_cfg=None)
        stages = [int(s) for s in stages]
        if not stages or any(s < 0 for s in stages) or len(
                set(stages)) != len(stages):
            raise ValueError('OnlineLinearProbe.stages must be distinct '
                             f'non-negative output indices, got {stages}.')
        if len(in_channels) != len(stages):
            raise ValueError(f'OnlineLinearProbe has {len(stages)} stages but '
                             f'{len(in_channels)} in_channels.')
        names = list(stage_names or [f'stage{s + 1}' for s in stages])
        if len(names) != len(stages):
            raise ValueError(f'OnlineLinearProbe has {len(stages)} stages but '
                             f'{len(names)} stage_names.')
        if num_classes < 2:
            raise ValueError('OnlineLinearProbe.num_classes must be at least '
                             f'2, got {num_classes}.')
        if lr <= 0 or not 0 <= momentum < 1:
            raise ValueError('OnlineLinearProbe needs lr > 0 and 0 <= '
                             f'momentum < 1, got lr={lr}, '
                             f'momentum={momentum}.')
        self.stages = tuple(stages)
        self.stage_names = tuple(names)
        self.in_channels = tuple(int(c) for c in in_channels)
        self.num_classes = num_classes
        self.lr = lr
        self.momentum = momentum
        self.seed = seed
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifiers = nn.ModuleList(
            _StageClassifier(c, num_classes) for c in self.in_channels)
        self.init_weights()

    def init_weights(self) -> None:
        """PyTorch's default ``nn.Linear`` initialisation, drawn from the
        probe's own generator (the same weights every call)."""
        generator = torch.Generator().manual_seed(self.seed)
        for clf in self.classifiers:
            bound = clf.weight.shape[1]**-0.5
            for param in (clf.weight, clf.bias):
                values = torch.rand(
                    param.shape, generator=generator, dtype=torch.float32)
                param.data.copy_(values * 2 * bound - bound)
            for buf in (clf.weight_momentum, clf.bias_momentum,
                        clf.running_mean):
                buf.zero_()
            clf.running_var.fill_(1)

    def _pooled(self, index: int, feat: torch.Tensor) -> torch.Tensor:
        """Detached, globally pooled float32 ``(N, C)`` feature."""
        return feature_vector(
            feat.detach().float(),
            0,
            self.pool,
            self.in_channels[index],
            f'OnlineLinearProbe stage {self.stage_names[index]}',
            fix='set online_probe.in_channels')

    def _logits(self, index: int, feat: torch.Tensor, weight: torch.Tensor,
                bias: torch.Tensor, training: bool) -> torch.Tensor:
        clf = self.classifiers[index]
        feat = F.batch_norm(
            self._pooled(index, feat), clf.running_mean, clf.running_var, None,
            None, training)
        return F.linear(feat, weight, bias)

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """Class scores of every stage (running BN statistics).

        Args:
            feats (Sequence[Tensor]): One feature per probed stage, each
                ``(N, C, H, W)`` or ``(N, C)``.

        Returns:
            Tensor: ``(N, num_stages, num_classes)`` logits.
        """
        with torch.no_grad(), torch.autocast(
                feats[0].device.type, enabled=False):
            return torch.stack([
                self._logits(i, f, clf.weight, clf.bias, False)
                for i, (f, clf) in enumerate(zip(feats, self.classifiers))
            ],
                               dim=1)

    def update(self, feats: Sequence[torch.Tensor],
               labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """One SGD step of every stage's classifier on a batch.

        Args:
            feats (Sequence[Tensor]): One feature per probed stage.
            labels (Tensor): ``(N, )`` class labels.

        Returns:
            dict[str, Tensor]: ``probe_ce`` (mean cross-entropy over the
            stages) and ``probe_acc_<stage>`` (training top-1, percent),
            detached; their names hold no ``'loss'``, so they are logged and
            not optimised.
        """
        if labels.numel() < 2:
            # batch statistics need two samples: skip this batch
            return {}
        device = feats[0].device
        params: List[torch.Tensor] = []
        losses, accs = [], {}
        with torch.enable_grad(), torch.autocast(device.type, enabled=False):
            for i, (feat, clf) in enumerate(zip(feats, self.classifiers)):
                weight = clf.weight.detach().requires_grad_()
                bias = clf.bias.detach().requires_grad_()
                logits = self._logits(i, feat, weight, bias, True)
                losses.append(F.cross_entropy(logits, labels))
                params += [weight, bias]
                accs[f'probe_acc_{self.stage_names[i]}'] = (
                    logits.detach().argmax(1) == labels).float().mean() * 100
            grads = torch.autograd.grad(sum(losses), params)
        if get_world_size() > 1:
            flat = torch.cat([g.reshape(-1) for g in grads])
            all_reduce(flat, op='mean')
            grads = flat.split([g.numel() for g in grads])
        with torch.no_grad():
            for clf, g_w, g_b in zip(self.classifiers, grads[0::2],
                                     grads[1::2]):
                for param, buf, grad in ((clf.weight, clf.weight_momentum,
                                          g_w), (clf.bias, clf.bias_momentum,
                                                 g_b)):
                    buf.mul_(self.momentum).add_(grad.view_as(buf))
                    param.sub_(buf, alpha=self.lr)
        return dict(probe_ce=torch.stack(losses).detach().mean(), **accs)
