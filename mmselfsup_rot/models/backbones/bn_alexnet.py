# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from collections import OrderedDict
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmpretrain.registry import MODELS

from ..utils import KAIMING_INIT_CFG
from .staged_backbone import StagedBackbone


@MODELS.register_module()
class RotNetAlexNet(StagedBackbone):
    """The BatchNorm AlexNet of the official RotNet code.

    Five convs, each with bias and followed by BN + ReLU: conv1 64 (11x11,
    stride 4, padding 2), conv2 192 (5x5, padding 2), conv3 384, conv4 256,
    conv5 256 (3x3, padding 1); max-pool (3, 2) after conv1, conv2 and
    conv5. With ``with_fc`` the pretext-task block follows: pool5 (flattened,
    9216) -> 4096 -> 4096, each Linear without bias + BN1d + ReLU, no
    dropout. The final Linear(4096, K) is the head
    (:class:`~mmselfsup_rot.models.heads.RotationHead` with
    ``pool_type='none'``). mmpretrain's ``AlexNet`` has no BN, no
    ``out_indices`` and no ``init_cfg``, hence this class.

    Indices of ``out_indices``: 0..4 are conv1..conv5 after their ReLU
    (before pooling), 5 is fc7 (needs ``with_fc``). Output shapes for a
    ``(N, 3, 224, 224)`` input: conv1 ``(N, 64, 55, 55)``, conv2
    ``(N, 192, 27, 27)``, conv3 ``(N, 384, 13, 13)``, conv4
    ``(N, 256, 13, 13)``, conv5 ``(N, 256, 13, 13)``, fc7 ``(N, 4096)``.
    For a 64 px input: conv1 ``(N, 64, 15, 15)``, conv2
    ``(N, 192, 7, 7)``, conv3..conv5 ``(N, C, 3, 3)``.

    pool5 is ``(N, 256, 6, 6)`` at 224 px. Smaller inputs (at least 63 px)
    give a smaller pool5, which is adaptively max-pooled up to 6x6 so that
    the fc block still applies; at 224 px this is the identity.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        out_indices (Sequence[int] | int): Outputs to return, see above.
            Defaults to ``(4, )`` (conv5), or ``(5, )`` (fc7) with
            ``with_fc``.
        with_fc (bool): Build the fc6/fc7 block. Defaults to False.
        frozen_stages (int): Freeze conv1 .. conv``frozen_stages`` (6 also
            freezes the fc block). Defaults to -1 (none).
        norm_eval (bool): Keep BatchNorm layers in eval mode while training.
            Defaults to False.
        norm_cfg (dict): Norm config of the convs. Defaults to BN.
        init_cfg (dict | list[dict], optional): Initialisation config.
            Defaults to the official init: He-normal convs (fan-out), BN
            weight 1 and bias 0; Linear layers keep PyTorch's default.
    """

    arch_channels = (64, 192, 384, 256, 256)
    fc_channels = 4096
    pool5_size = 6

    def __init__(
        self,
        in_channels: int = 3,
        out_indices: Optional[Union[int, Sequence[int]]] = None,
        with_fc: bool = False,
        frozen_stages: int = -1,
        norm_eval: bool = False,
        norm_cfg: dict = dict(type='BN'),
        init_cfg: Optional[Union[dict,
                                 List[dict]]] = KAIMING_INIT_CFG) -> None:
        num_outputs = 6 if with_fc else 5
        if out_indices is None:
            out_indices = (num_outputs - 1, )
        super().__init__(num_outputs, out_indices, frozen_stages, norm_eval,
                         init_cfg)
        self.with_fc = with_fc
        specs = ((11, 4, 2), (5, 1, 2), (3, 1, 1), (3, 1, 1), (3, 1, 1))
        convs = []
        for out_channels, (kernel, stride,
                           padding) in zip(self.arch_channels, specs):
            # conv (with bias, as the official code) + norm + ReLU
            convs.append(
                nn.Sequential(
                    OrderedDict(
                        conv=nn.Conv2d(
                            in_channels,
                            out_channels,
                            kernel,
                            stride=stride,
                            padding=padding),
                        bn=build_norm_layer(norm_cfg, out_channels)[1],
                        relu=nn.ReLU(inplace=True))))
            in_channels = out_channels
        self.convs = nn.ModuleList(convs)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2)
        if with_fc:
            flat = self.arch_channels[-1] * self.pool5_size**2
            self.fc_block = nn.Sequential(
                nn.Linear(flat, self.fc_channels, bias=False),
                build_norm_layer(dict(type='BN1d'), self.fc_channels)[1],
                nn.ReLU(inplace=True),
                nn.Linear(self.fc_channels, self.fc_channels, bias=False),
                build_norm_layer(dict(type='BN1d'), self.fc_channels)[1],
                nn.ReLU(inplace=True))
        self._freeze_stages()

    def _stage_modules(self, index: int) -> List[nn.Module]:
        return [self.convs[index]] if index < 5 else [self.fc_block]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs selected by ``out_indices``."""
        if x.shape[-1] < 63 or x.shape[-2] < 63:
            raise ValueError('RotNetAlexNet needs inputs of at least 63 px, '
                             f'got {tuple(x.shape[-2:])}.')
        outs = []
        last = self.out_indices[-1]
        for idx, conv in enumerate(self.convs):
            x = conv(x)
            if idx in self.out_indices:
                outs.append(x)
            if idx == last:
                return tuple(outs)
            if idx in (0, 1):  # pool1, pool2
                x = self.pool(x)
        x = self.pool(x)  # pool5
        if x.shape[-2:] != (self.pool5_size, self.pool5_size):
            x = nn.functional.adaptive_max_pool2d(x, self.pool5_size)
        outs.append(self.fc_block(x.flatten(1)))
        return tuple(outs)
