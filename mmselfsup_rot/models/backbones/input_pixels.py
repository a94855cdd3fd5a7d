# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Optional, Tuple, Union

import torch
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS


@MODELS.register_module()
class InputPixels(BaseBackbone):
    """The (preprocessed) input image as the only feature map.

    The raw-pixel baseline of linear evaluation: with a pooling neck
    (e.g. :class:`MultiPooling`) and a linear head, a classifier built with
    this backbone is a linear probe on the pixels, trained and evaluated
    by the same configs, runner and metrics as the probes on learned
    features. It has no parameters.

    Args:
        init_cfg (dict | list[dict], optional): Unused (nothing to
            initialise); accepted for config compatibility.
    """

    def __init__(self, init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        """Return ``(x, )``: the ``(N, C, H, W)`` input itself."""
        return (x, )
