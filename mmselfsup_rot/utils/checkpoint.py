# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Read checkpoints safely and get a backbone's weights out of them."""
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional

import torch


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable or of the wrong kind."""


def load_checkpoint_file(path: str) -> dict:
    """``torch.load`` in safe mode, with a one-line error on failure.

    Only tensors, plain containers and the classes registered by
    :func:`mmselfsup_rot.utils.safe_load.register_checkpoint_safe_globals`
    are unpickled; a file that would execute code is refused.
    """
    if not osp.isfile(path):
        raise CheckpointError(f'Checkpoint not found: {path}')
    from .safe_load import register_checkpoint_safe_globals
    register_checkpoint_safe_globals()
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # torch raises several types here
        first = str(err).strip().splitlines()[0] if str(err) else ''
        raise CheckpointError(
            f'Cannot load {path} safely ({type(err).__name__}: {first}). '
            'Only tensors and the classes of OpenMMLab checkpoints are '
            'accepted.') from None
    if not isinstance(obj, dict):
        raise CheckpointError(f'{path} holds a {type(obj).__name__}, not a '
                              'checkpoint dict.')
    return obj


def get_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The weights of a checkpoint saved by mmengine, mmselfsup or plain
    ``torch.save(model.state_dict())``."""
    for key in ('state_dict', 'model', 'network'):
        if isinstance(checkpoint.get(key), dict):
            return checkpoint[key]
    if checkpoint and all(
            isinstance(v, torch.Tensor) for v in checkpoint.values()):
        return checkpoint
    raise CheckpointError(
        'No weights found: expected a "state_dict" (mmengine), "network" '
        '(official RotNet) or a flat tensor dict; got keys '
        f'{sorted(checkpoint)[:8]}.')


def backbone_state_dict(checkpoint: dict,
                        prefix: str = 'backbone.',
                        source: Optional[str] = None
                        ) -> 'OrderedDict[str, torch.Tensor]':
    """Backbone weights of a full model checkpoint or of backbone-only
    weights.

    Args:
        checkpoint (dict): A loaded checkpoint.
        prefix (str): Prefix of the backbone keys in full checkpoints.
        source (str, optional): File name for error messages.

    Returns:
        OrderedDict: Keys without ``prefix``.
    """
    state = get_state_dict(checkpoint)
    if state and all(k.startswith('module.') for k in state):
        state = {k[len('module.'):]: v for k, v in state.items()}
    with_prefix = OrderedDict(
        (k[len(prefix):], v) for k, v in state.items()
        if k.startswith(prefix))
    if with_prefix:
        return with_prefix
    heads = ('head.', 'neck.', 'data_preprocessor.')
    if any(k.startswith(heads) for k in state):
        raise CheckpointError(
            f'{source or "The checkpoint"} has model weights but none under '
            f'"{prefix}"; key prefixes found: '
            f'{sorted({k.split(".")[0] for k in state})}.')
    return OrderedDict(state)
