# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Per-image rotation probabilities of a RotNet, for Feature Decoupling.

For every training image ``i`` and rotation label ``r`` the output holds
the probability that the pretrained RotationPred assigns to label 0 (no
rotation) when it sees image ``i`` rotated by ``angles[r]``: a rotated copy
that looks unrotated gets a small positive-unlabelled weight
``1 - p ** 2`` in Feature Decoupling's rotation loss.

Output: a ``.npy`` float32 array of shape ``(N, K)`` (``N`` images of the
dataset, row = ``sample_idx``; ``K`` rotations, column = rotation label),
read by ``FeatureDecoupling(pu_probs=...)``. Flattened row-major it is the
layout of the official ``prob.dat``.

The images are loaded without random augmentation: files are resized
(short side ``--resize``) and centre-cropped (``--crop``); in-memory
datasets (CIFAR) are used as they are.

    CFG=rotation-pred_alexnet-bn_1xb192-steplr-50e_in1k
    python tools/analysis/compute_rotation_probs.py configs/$CFG.py \
        work_dirs/$CFG/epoch_50.pth \
        --out data/imagenet/meta/rotation_probs_train.npy
"""
import argparse
import copy
import os
import os.path as osp
from typing import List, Optional

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import MODELS


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'config',
        help='RotationPred config (model and, by '
        'default, the training set)')
    parser.add_argument('checkpoint', help='RotationPred checkpoint')
    parser.add_argument('--out', required=True, help='output .npy file')
    parser.add_argument(
        '--data-config',
        help='take train_dataloader.dataset from this config instead '
        '(e.g. the Feature Decoupling config)')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--num-workers', type=int, default=4)
    parser.add_argument('--resize', type=int, default=256)
    parser.add_argument('--crop', type=int, default=224)
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def deterministic_pipeline(pipeline: list, resize: int, crop: int) -> list:
    """The loading steps of ``pipeline``, a resize + centre crop for images
    read from files, the rotation steps and the packing, without random
    augmentation."""
    loads = [t for t in pipeline if 'Load' in t['type']]
    sizing = [
        dict(type='ResizeEdge', scale=resize, edge='short'),
        dict(type='CenterCrop', crop_size=crop)
    ] if loads else []
    rotations = [t for t in pipeline if t['type'] == 'RotationWithLabels']
    packs = [t for t in pipeline if t['type'] == 'PackInputs'
             ] or [dict(type='PackInputs')]
    return loads + sizing + rotations + packs[-1:]


@torch.no_grad()
def compute_rotation_probs(model: torch.nn.Module,
                           dataloader,
                           num_images: int,
                           progress: bool = True) -> np.ndarray:
    """Return the ``(num_images, K)`` probabilities of label 0, with a
    progress bar over the images unless ``progress`` is False."""
    from mmselfsup_rot.utils.progress import track
    angles = tuple(model.angles)
    if angles[0] != 0:
        raise ValueError(f'The model\'s rotation set {angles} has no '
                         'unrotated label 0; use a RotNet trained with 0 '
                         'degrees as label 0.')
    model.eval()
    probs = np.full((num_images, len(angles)), np.nan, dtype=np.float32)
    batches = track(
        dataloader,
        num_images,
        f'Rotation probabilities of {num_images} images x {len(angles)} '
        'rotations',
        enabled=progress,
        weight=lambda data: len(data['data_samples']))
    for data in batches:
        for sample in model.test_step(data):
            scores = sample.rot_score  # (K views, K classes)
            if scores.shape[0] != len(angles):
                raise ValueError(f'Got {scores.shape[0]} rotated views per '
                                 f'image, expected {len(angles)}.')
            probs[int(sample.sample_idx)] = scores[:, 0].float().cpu().numpy()
    missing = int(np.isnan(probs).any(axis=1).sum())
    if missing:
        raise RuntimeError(f'{missing} of {num_images} images got no '
                           'prediction; use a sampler without dropping.')
    return probs


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    import mmselfsup_rot  # noqa: F401  (registers the modules)
    from mmselfsup_rot.engine.rotation_set_config import fill_rotation_set
    from mmselfsup_rot.utils.checkpoint import (get_state_dict,
                                                load_checkpoint_file,
                                                load_state_dict_checked)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model = MODELS.build(cfg.model)
    if not hasattr(model, 'angles') or not hasattr(model, 'head'):
        raise ValueError(f'{args.config} does not define a RotationPred '
                         'model.')
    state = get_state_dict(load_checkpoint_file(args.checkpoint))
    load_state_dict_checked(model, state, source=args.checkpoint)
    model.to(args.device)

    data_cfg = Config.fromfile(args.data_config) if args.data_config else cfg
    dataset = copy.deepcopy(data_cfg.train_dataloader.dataset)
    dataset.pipeline = deterministic_pipeline(dataset.pipeline, args.resize,
                                              args.crop)
    # loader-side rotations follow the model's rotation set
    fill_rotation_set(dataset, model.angles, model.clockwise,
                      'train_dataloader.dataset')
    dataloader = Runner.build_dataloader(
        dict(
            batch_size=args.batch_size,
            num_workers=args.num_workers,
            sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
            collate_fn=dict(type='default_collate'),
            dataset=dataset))

    probs = compute_rotation_probs(model, dataloader, len(dataloader.dataset))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    np.save(args.out, probs)
    print(f'Saved rotation probabilities of {len(probs)} images x '
          f'{probs.shape[1]} rotations to {args.out} (mean p of the '
          f'rotated copies {probs[:, 1:].mean():.3f}).')


if __name__ == '__main__':
    main()
