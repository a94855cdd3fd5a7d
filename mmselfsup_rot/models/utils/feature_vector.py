# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The step the heads and necks share: pick one of the backbone's outputs,
pool a feature map globally and flatten it to ``(N, C)``."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

Feats = Union[torch.Tensor, Sequence[torch.Tensor]]

#: Global pooling of a feature map by ``pool_type``; ``'none'`` takes
#: feature vectors only.
POOL_TYPES = ('avg', 'max', 'none')


def build_global_pool(
        pool_type: str,
        allowed: Sequence[str] = POOL_TYPES) -> Optional[nn.Module]:
    """The global pooling layer of ``pool_type`` (None for ``'none'``).

    Args:
        pool_type (str): ``'avg'``, ``'max'`` or ``'none'``.
        allowed (Sequence[str]): The types the caller accepts.
            Defaults to all of :data:`POOL_TYPES`.

    Returns:
        nn.Module | None: ``AdaptiveAvgPool2d(1)``, ``AdaptiveMaxPool2d(1)``
        or None.
    """
    if pool_type not in allowed:
        raise ValueError(f'pool_type must be one of {sorted(allowed)}, got '
                         f'{pool_type!r}.')
    if pool_type == 'avg':
        return nn.AdaptiveAvgPool2d(1)
    if pool_type == 'max':
        return nn.AdaptiveMaxPool2d(1)
    return None


def feature_vector(feats: Feats,
                   in_index: int,
                   pool: Optional[nn.Module],
                   channels: int,
                   owner: str,
                   fix: str = 'set in_channels') -> torch.Tensor:
    """One output of the backbone as a ``(N, C)`` vector.

    Args:
        feats (Tensor | Sequence[Tensor]): A feature, or the backbone's
            tuple of features.
        in_index (int): The element of a tuple to use.
        pool (nn.Module, optional): Global pooling of a feature map; None
            refuses feature maps.
        channels (int): The ``C`` the caller expects.
        owner (str): The caller's name, for the messages.
        fix (str): What the user should change when ``C`` differs.
            Defaults to ``'set in_channels'``.

    Returns:
        Tensor: ``(N, channels)``.
    """
    if isinstance(feats, (tuple, list)):
        feats = feats[in_index]
    if feats.dim() == 4:
        if pool is None:
            raise ValueError(f"{owner} got a feature map but pool_type="
                             "'none'; choose 'avg' or 'max'.")
        feats = pool(feats)
    feats = feats.flatten(1)
    if feats.shape[1] != channels:
        raise ValueError(f'{owner} expects {channels} input channels but '
                         f'the feature has {feats.shape[1]}; {fix}.')
    return feats
