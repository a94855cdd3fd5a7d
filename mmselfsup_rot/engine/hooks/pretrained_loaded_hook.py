# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, List, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

from ..runner_setup import unwrap_model

StateDict = Dict[str, torch.Tensor]


class PretrainedMismatchError(ValueError):
    """Pretrained weights that would not (fully) load into the model."""


def key_examples(keys: Sequence[str], count: int = 3) -> str:
    """The first ``count`` keys and how many more, for a one-line error."""
    more = f' and {len(keys) - count} more' if len(keys) > count else ''
    return ', '.join(keys[:count]) + more


@HOOKS.register_module()
class PretrainedLoadedHook(Hook):
    """Check, once the runner has initialised the weights, that the model
    holds the pretrained tensors.

    mmengine loads ``init_cfg=dict(type='Pretrained')`` weights
    non-strictly, so a tensor that did not load only warns; this hook
    compares every tensor that should have loaded with the checkpoint's
    before the first training iteration, then frees its copy.

    Args:
        state (dict): Backbone weights, keys without ``backbone.``.
        loaded (dict): Module path -> keys that must equal ``state``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, state: StateDict, loaded: Dict[str, List[str]]) -> None:
        self.state = state
        self.loaded = loaded

    def before_train(self, runner) -> None:
        """Raise :class:`PretrainedMismatchError` for any tensor that does
        not equal the checkpoint's."""
        model = unwrap_model(runner.model)
        count = 0
        for path, keys in self.loaded.items():
            target = model.get_submodule(path).state_dict()
            differ = [
                k for k in keys
                if not torch.equal(target[k].cpu(), self.state[k])
            ]
            if differ:
                raise PretrainedMismatchError(
                    f'{path}: {len(differ)} tensors differ from the '
                    f'checkpoint after initialisation ({key_examples(differ)})'
                )
            count += len(keys)
        print_log(
            f'Pretrained weights verified: {count} tensors equal to the '
            'checkpoint after initialisation.', 'current')
        self.state = {}  # free the copy before training
