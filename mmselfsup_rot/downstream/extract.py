# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Distributed feature extraction and the on-disk feature format.

Format of an extraction directory, for each split (e.g. ``trainval``):

- ``{split}_{layer}.npy``: float32 ``(N, D)``, one file per layer, rows in
  dataset order;
- ``{split}_labels.npy``: int64; ``(N,)`` class indices for single-label
  datasets, or ``(N, C)`` for VOC with 1 = present, 0 = absent,
  -1 = only "difficult" instances (ignored, as the VOC devkit does);
- ``{split}_meta.json``: ``num_samples``, ``layers`` (name -> dim),
  ``label_format`` (``'single'`` or ``'voc'``), ``classes``,
  ``img_paths``, ``checkpoint`` and ``seconds``.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dist import collect_results, get_dist_info

from mmselfsup_rot.utils.progress import track


def _labels_of(dataset) -> Tuple[np.ndarray, str]:
    """Label array and format of a dataset, from its annotations."""
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    if infos and 'gt_label_difficult' in infos[0]:
        targets = np.zeros((len(infos), len(dataset.CLASSES)), np.int64)
        for row, info in zip(targets, infos):
            row[list(info['gt_label_difficult'] or [])] = -1
            row[list(info['gt_label'] or [])] = 1  # present wins
        return targets, 'voc'
    return np.array([int(info['gt_label']) for info in infos]), 'single'


@torch.no_grad()
def extract_features(
    model: torch.nn.Module,
    dataloader,
    layer_names: Optional[Sequence[str]] = None
) -> Optional[Dict[str, np.ndarray]]:
    """Features of every sample of ``dataloader``'s dataset, per layer.

    Each process runs its shard of the (unshuffled, distributed) sampler;
    the shards are gathered with :func:`mmengine.dist.collect_results`,
    which restores dataset order and drops the sampler's padding.

    Args:
        model: An ``ImageClassifier``-like model with ``data_preprocessor``
            and ``extract_feat(inputs, stage='neck')`` returning a tuple of
            ``(N, D)`` tensors (e.g. with a :class:`MultiPooling` neck).
        dataloader: A ``torch.utils.data.DataLoader`` with a
            ``DefaultSampler(shuffle=False)``.
        layer_names (Sequence[str], optional): Names of the layers.
            Defaults to ``feature1``, ``feature2``...

    Returns:
        dict | None: On rank 0, ``{layer: float32 (N, D)}``; None on the
        other ranks.
    """
    rank, world_size = get_dist_info()
    model.eval()
    dataset = dataloader.dataset
    results: List[List[np.ndarray]] = []
    # every process runs a batch per step: the bar counts all of them
    batches = track(
        dataloader,
        len(dataset),
        f'Extracting features of {len(dataset)} images',
        weight=lambda data: len(data['inputs']) * world_size)
    for data in batches:
        data = model.data_preprocessor(data, False)
        feats = model.extract_feat(data['inputs'], stage='neck')
        if isinstance(feats, torch.Tensor):
            feats = (feats, )
        feats = [f.flatten(1).float().cpu().numpy() for f in feats]
        results.extend(list(per_sample) for per_sample in zip(*feats))
    gathered = collect_results(results, len(dataset), device='cpu')
    if rank != 0:
        return None
    num_layers = len(gathered[0])
    if layer_names is None:
        layer_names = [f'feature{i + 1}' for i in range(num_layers)]
    if len(layer_names) != num_layers:
        raise ValueError(f'{len(layer_names)} layer names for {num_layers} '
                         'extracted layers.')
    return {
        name: np.stack([sample[idx] for sample in gathered])
        for idx, name in enumerate(layer_names)
    }


def save_features(out_dir: str,
                  split: str,
                  features: Dict[str, np.ndarray],
                  dataset,
                  extra_meta: Optional[dict] = None) -> Dict[str, str]:
    """Write features, labels and meta of one split (format above).

    Returns:
        dict: Written file paths by kind/layer.
    """
    os.makedirs(out_dir, exist_ok=True)
    labels, label_format = _labels_of(dataset)
    num = len(labels)
    paths = {}
    for name, feats in features.items():
        if len(feats) != num:
            raise ValueError(f'{name}: {len(feats)} feature rows for {num} '
                             'samples.')
        paths[name] = osp.join(out_dir, f'{split}_{name}.npy')
        np.save(paths[name], feats.astype(np.float32))
    paths['labels'] = osp.join(out_dir, f'{split}_labels.npy')
    np.save(paths['labels'], labels)
    meta = dict(
        split=split,
        num_samples=num,
        layers={
            name: int(f.shape[1])
            for name, f in features.items()
        },
        label_format=label_format,
        classes=list(dataset.CLASSES),
        img_paths=[dataset.get_data_info(i)['img_path'] for i in range(num)],
        **(extra_meta or {}))
    paths['meta'] = osp.join(out_dir, f'{split}_meta.json')
    with open(paths['meta'], 'w') as f:
        json.dump(meta, f, indent=1)
    return paths


def load_features(
    feat_dir: str,
    split: str,
    layers: Optional[Sequence[str]] = None
) -> Tuple[Dict[str, np.ndarray], np.ndarray, dict]:
    """Read back one split written by :func:`save_features`.

    Returns:
        tuple: ``({layer: features}, labels, meta)``.
    """
    meta_path = osp.join(feat_dir, f'{split}_meta.json')
    if not osp.isfile(meta_path):
        raise FileNotFoundError(
            f'No features of split "{split}" in {feat_dir}: expected '
            f'{meta_path} (run the extraction first).')
    with open(meta_path) as f:
        meta = json.load(f)
    layers = list(meta['layers']) if layers is None else list(layers)
    unknown = sorted(set(layers) - set(meta['layers']))
    if unknown:
        raise ValueError(f'Layers {unknown} were not extracted; '
                         f'available: {list(meta["layers"])}.')
    feats = {
        name: np.load(osp.join(feat_dir, f'{split}_{name}.npy'))
        for name in layers
    }
    labels = np.load(osp.join(feat_dir, f'{split}_labels.npy'))
    return feats, labels, meta
