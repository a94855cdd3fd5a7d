# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Spatial attention maps of a backbone stage."""
import torch


@torch.no_grad()
def attention_maps(model: torch.nn.Module,
                   images: torch.Tensor,
                   stage: int,
                   power: int = 2) -> torch.Tensor:
    """Spatial attention of a backbone stage: the sum over channels of
    ``|activation| ** power`` (the paper's Figure 6), each map scaled to
    [0, 1].

    Args:
        model: A model with ``backbone`` returning a tuple of stages.
        images (Tensor): Normalised ``(N, 3, H, W)``.
        stage (int): Index into the backbone's outputs.
        power (int): Exponent. Defaults to 2.

    Returns:
        Tensor: ``(N, h, w)``.
    """
    outs = model.backbone(images)
    outs = outs if isinstance(outs, (tuple, list)) else (outs, )
    if not -len(outs) <= stage < len(outs):
        raise ValueError(f'stage {stage} does not exist: the backbone '
                         f'outputs {len(outs)} feature map(s); set '
                         'out_indices with --cfg-options.')
    feat = outs[stage]
    if feat.ndim != 4:
        raise ValueError(f'stage {stage} is not a feature map: shape '
                         f'{tuple(feat.shape)}.')
    att = feat.abs().pow(power).sum(dim=1)
    flat = att.flatten(1)
    lo, hi = flat.min(1)[0], flat.max(1)[0]
    return (att - lo.view(-1, 1, 1)) / (hi - lo).clamp_min(1e-12).view(
        -1, 1, 1)
