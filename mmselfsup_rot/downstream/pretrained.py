# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Pretrained weights for the benchmarks, always read in torch's safe mode:
this project's checkpoints (full RotationPred or backbone-only), mmselfsup
1.x rotation-pred checkpoints and official RotNet checkpoints, recognised
from their keys and converted in memory (see
:mod:`mmselfsup_rot.utils.checkpoint_formats`)."""
import os
import os.path as osp

import torch
import torch.nn as nn
from mmengine.logging import print_log

from mmselfsup_rot.utils.checkpoint import (load_checkpoint_file,
                                            load_state_dict_checked)
from mmselfsup_rot.utils.checkpoint_formats import (
    load_pretrained_backbone, pretrained_backbone_state_dict)

NO_WEIGHTS = ('', 'none', 'random')


def load_backbone_weights(backbone: nn.Module, path: str) -> None:
    """Load a checkpoint's backbone weights into ``backbone``.

    Args:
        backbone (nn.Module): The backbone to fill.
        path (str): A checkpoint of a format
            :func:`~mmselfsup_rot.utils.checkpoint_formats.\
load_pretrained_backbone` reads; ``'none'``/``'random'`` keeps the random
            initialisation (the usual baseline).

    Raises:
        ValueError: If the weights do not fit the backbone.
    """
    if path is None or path.lower() in NO_WEIGHTS:
        print_log('No pretrained weights: random initialisation.', 'current')
        return
    state = load_pretrained_backbone(path)
    unexpected = load_state_dict_checked(
        backbone, state, source=path)['unexpected']
    if unexpected:
        print_log(
            f'{len(unexpected)} unused weights in {path} (e.g. '
            f'{unexpected[:3]}).', 'current')
    print_log(f'Loaded {len(state)} backbone weights from {path}.', 'current')


def save_backbone_checkpoint(src: str,
                             dst: str,
                             prefix: str = 'backbone.') -> str:
    """Write the backbone weights of ``src`` (any format that
    :func:`~mmselfsup_rot.utils.checkpoint_formats.load_pretrained_backbone`
    reads) as ``{'state_dict':
    {prefix + key: tensor}, 'meta': {'source_checkpoint': ...}}``, the form
    that configs load with ``init_cfg=dict(type='Pretrained',
    prefix='backbone.')``.

    ``meta.source_checkpoint`` holds the absolute path and SHA-256 of the
    pretraining checkpoint (``src``, or the one ``src`` itself was converted
    from), so that benchmark runs loading ``dst`` stay attributable to it
    (see :mod:`mmselfsup_rot.utils.source_checkpoint`).

    Returns:
        str: ``dst``.
    """
    from mmselfsup_rot.utils.source_checkpoint import META_KEY, source_link
    checkpoint = load_checkpoint_file(src)
    state = pretrained_backbone_state_dict(checkpoint, source=src)
    link = source_link(src, checkpoint)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(
        {
            'state_dict': {
                prefix + k: v
                for k, v in state.items()
            },
            'meta': {
                META_KEY: link
            }
        }, dst)
    return dst
