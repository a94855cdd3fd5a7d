# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS


@MODELS.register_module()
class FlattenNeck(nn.Module):
    """Flatten feature maps ``(N, C, H, W)`` into vectors ``(N, C*H*W)``.

    The RotNet paper's non-linear CIFAR-10 classifier reads a whole block's
    feature map, not a pooled one; put this neck in front of
    ``StackedLinearClsHead`` (``in_channels = C*H*W``, e.g.
    ``96*16*16`` after NIN block 1 at 32 px).
    """

    def init_weights(self) -> None:
        """Nothing to initialise (the runner calls this on every module)."""

    def forward(
        self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Flatten a tensor, or each tensor of a tuple."""
        if isinstance(inputs, torch.Tensor):
            return inputs.flatten(1)
        return tuple(x.flatten(1) for x in inputs)
