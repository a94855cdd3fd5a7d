# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import List, Optional, Sequence, Tuple, Union

import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from torch.nn.modules.batchnorm import _BatchNorm


class StagedBackbone(BaseBackbone):
    """Shared ``out_indices`` / ``frozen_stages`` / ``norm_eval`` handling of
    the plain (non-residual) RotNet backbones.

    Subclasses build their stages, then call :meth:`_check_stage_args` and
    implement :meth:`_stage_modules`, which lists the modules that make up
    stage ``i`` (so that freezing stage ``i`` freezes exactly them).

    Args:
        num_outputs (int): How many stages can be selected.
        out_indices (Sequence[int] | int): Stages to return; negative
            values count from the end.
        frozen_stages (int): Stages ``0 .. frozen_stages - 1`` are set to
            eval mode and get no gradients; -1 or 0 freezes nothing.
        norm_eval (bool): Keep every BatchNorm in eval mode while training,
            i.e. use and keep the running statistics.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 num_outputs: int,
                 out_indices: Union[int, Sequence[int]],
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(out_indices, int):
            out_indices = [out_indices]
        indices = []
        for index in out_indices:
            if not -num_outputs <= index < num_outputs:
                raise ValueError(
                    f'{type(self).__name__}: out_indices {list(out_indices)} '
                    f'out of range for {num_outputs} selectable outputs.')
            indices.append(index % num_outputs)
        if not indices:
            raise ValueError(f'{type(self).__name__}: out_indices is empty.')
        if not -1 <= frozen_stages <= num_outputs:
            raise ValueError(
                f'{type(self).__name__}: frozen_stages must be in [-1, '
                f'{num_outputs}], got {frozen_stages}.')
        self.num_outputs = num_outputs
        self.out_indices: Tuple[int, ...] = tuple(sorted(set(indices)))
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

    def _stage_modules(self, index: int) -> List[nn.Module]:
        """Modules of stage ``index`` (to be frozen together)."""
        raise NotImplementedError

    def _freeze_stages(self) -> None:
        for index in range(max(self.frozen_stages, 0)):
            for module in self._stage_modules(index):
                module.eval()
                for param in module.parameters():
                    param.requires_grad = False

    def train(self, mode: bool = True) -> 'StagedBackbone':
        """Switch the mode, keeping frozen stages (and with ``norm_eval``
        every BatchNorm) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
