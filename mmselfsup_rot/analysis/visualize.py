# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Shared code of the visual analysis tools: build a model from a config
and a checkpoint (safe loading), rotate images, and draw PNGs with
matplotlib's Agg backend."""
import glob
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config

from mmselfsup_rot.utils.checkpoint import (get_state_dict,
                                            load_checkpoint_file,
                                            load_state_dict_checked)
from mmselfsup_rot.utils.rotation import parse_angles, rot90_tensor

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp', '.JPEG', '.PNG', '.JPG')


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def first_conv_weight(checkpoint: str,
                      key: Optional[str] = None) -> Tuple[str, torch.Tensor]:
    """The first-layer filters ``(C_out, C_in, k, k)`` of a checkpoint.

    Args:
        checkpoint (str): Full model or backbone-only weights.
        key (str, optional): The weight to take; default: the first 4-D
            weight with 1 or 3 input channels in file order.

    Returns:
        tuple: Its key and the tensor.
    """
    state = get_state_dict(load_checkpoint_file(checkpoint))
    if key is not None:
        if key not in state:
            raise ValueError(f'{checkpoint} has no weight {key!r}; 4-D '
                             'weights: ' + ', '.join(k
                                                     for k, v in state.items()
                                                     if v.ndim == 4)[:300])
        return key, state[key]
    for name, value in state.items():
        if value.ndim == 4 and value.shape[1] in (1, 3) and \
                not name.startswith('data_preprocessor'):
            return name, value
    raise ValueError(f'{checkpoint} has no 4-D weight with 1 or 3 input '
                     'channels (a first convolution).')


def filter_grid(weight: torch.Tensor,
                ncols: int = 8,
                pad: int = 1) -> np.ndarray:
    """Tile filters into one RGB image, each filter scaled to [0, 1] by its
    own min and max (as the paper's Figure 4 shows them).

    Args:
        weight (Tensor): ``(C_out, C_in, k, k)`` with ``C_in`` 1 or 3.
        ncols (int): Filters per row.
        pad (int): White pixels between filters.

    Returns:
        np.ndarray: ``(rows*(k+pad)+pad, ncols*(k+pad)+pad, 3)`` float in
        [0, 1]; filter ``i`` starts at row ``pad + (i // ncols) * (k+pad)``,
        column ``pad + (i % ncols) * (k+pad)``.
    """
    w = weight.detach().float().cpu().numpy()
    if w.ndim != 4 or w.shape[1] not in (1, 3):
        raise ValueError('Expected (C_out, 1 or 3, k, k) filters, got '
                         f'{tuple(w.shape)}.')
    if w.shape[1] == 1:
        w = np.repeat(w, 3, axis=1)
    num, _, kh, kw = w.shape
    rows = -(-num // ncols)
    grid = np.ones((rows * (kh + pad) + pad, ncols * (kw + pad) + pad, 3))
    for i, filt in enumerate(w):
        lo, hi = filt.min(), filt.max()
        img = (filt - lo) / (hi - lo) if hi > lo else np.zeros_like(filt)
        r, c = pad + (i // ncols) * (kh + pad), pad + (i % ncols) * (kw + pad)
        grid[r:r + kh, c:c + kw] = img.transpose(1, 2, 0)
    return grid


def save_image(array: np.ndarray, out: str, scale: int = 1) -> None:
    """Write a float [0, 1] RGB array as a PNG, each pixel ``scale`` times
    larger (nearest neighbour, so values stay exact)."""
    from PIL import Image
    img = np.repeat(np.repeat(array, scale, axis=0), scale, axis=1)
    Image.fromarray(
        (np.clip(img, 0, 1) * 255).round().astype(np.uint8)).save(out)


def build_model(config: str,
                checkpoint: Optional[str],
                cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """The config's model in eval mode on the CPU, with the checkpoint's
    weights loaded only if they fit (one-line error otherwise).

    SyncBN becomes BN so that the model runs without a process group.
    """
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import mmselfsup_rot  # noqa: F401  (registers our modules)
    from mmselfsup_rot.utils.launch import replace_sync_bn
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    replace_sync_bn(cfg.model)
    model = MODELS.build(cfg.model)
    if checkpoint:
        state = get_state_dict(load_checkpoint_file(checkpoint))
        load_state_dict_checked(
            model,
            state,
            checkpoint,
            allow_missing=('num_batches_tracked', 'data_preprocessor.'))
    return model.eval()


def list_images(folder: str) -> List[str]:
    """Image files under ``folder`` (recursive, sorted)."""
    if osp.isfile(folder):
        return [folder]
    if not osp.isdir(folder):
        raise FileNotFoundError(f'No image or folder at {folder}.')
    files = sorted(
        p for p in glob.glob(osp.join(folder, '**', '*'), recursive=True)
        if p.endswith(IMAGE_EXTS))
    if not files:
        raise FileNotFoundError(
            f'No images ({", ".join(IMAGE_EXTS[:4])}) found under {folder}.')
    return files


def load_images(paths: Sequence[str], size: int) -> torch.Tensor:
    """RGB images resized to ``size`` x ``size``, as a ``(N, 3, H, W)``
    float tensor on the 0-255 scale."""
    from PIL import Image
    arrays = []
    for path in paths:
        with Image.open(path) as img:
            arrays.append(
                np.asarray(
                    img.convert('RGB').resize((size, size), Image.BILINEAR)))
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float()


def normalize(model: torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Apply the model's preprocessor mean/std. The images are RGB, which
    is the order the preprocessor's mean/std have after its BGR->RGB
    conversion."""
    pre = model.data_preprocessor
    mean = getattr(pre, 'mean', None)
    std = getattr(pre, 'std', None)
    if mean is None or std is None:
        return images
    return (images - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)


def rotated_copies(
    images: torch.Tensor, angles: Sequence[int] = (0, 90, 180, 270)
) -> List[torch.Tensor]:
    """Each right-angle rotation (counter-clockwise) of ``(N, C, H, W)``."""
    out = []
    for angle in angles:
        if angle % 90:
            raise ValueError(f'Only right angles are exact; got {angle}.')
        out.append(rot90_tensor(images, angle))
    return out


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


@torch.no_grad()
def rotation_predictions(model: torch.nn.Module, images: torch.Tensor,
                         angles: Sequence[int]) -> np.ndarray:
    """Predicted rotation label of every rotated copy, via
    ``RotationPred.predict``.

    Returns:
        np.ndarray: ``(N, K)``: ``[i, k]`` is the label predicted for
        image ``i`` rotated by ``angles[k]``.
    """
    views = [normalize(model, v) for v in rotated_copies(images, angles)]
    samples = model.predict(views)
    return np.stack([s.rot_pred.cpu().numpy() for s in samples])


def confusion(preds: np.ndarray, num: int) -> np.ndarray:
    """``(K, K)`` counts: row = true label (column index of ``preds``),
    column = predicted label."""
    mat = np.zeros((num, num), dtype=np.int64)
    for true in range(num):
        for pred in preds[:, true]:
            mat[true, int(pred)] += 1
    return mat


def angles_of(model: torch.nn.Module) -> Tuple[int, ...]:
    """The model's rotation set (right angles only)."""
    return parse_angles(getattr(model, 'angles', 'four'))


def read_curves(work_dir: str) -> Dict[str, List[Tuple[int, float]]]:
    """``{key: [(step, value)]}`` of the newest run's ``scalars.json``:
    training keys by iteration, validation keys by their step."""
    from mmselfsup_rot.utils.logs import read_scalars
    curves: Dict[str, List[Tuple[int, float]]] = {}
    for record in read_scalars(work_dir):
        step = record.get('iter', record.get('step', 0))
        for key, value in record.items():
            if key in ('iter', 'step', 'epoch', 'time', 'data_time',
                       'memory') or not isinstance(value, (int, float)):
                continue
            curves.setdefault(key, []).append((int(step), float(value)))
    return curves
