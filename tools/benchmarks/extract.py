# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Extract pooled multi-layer features of frozen backbones to disk.

The config defines ``model`` (an ``ImageClassifier`` whose neck pools each
layer, e.g. ``MultiPooling``), ``layer_names`` and ``extract_dataloaders``
(split name -> dataloader config). See
``mmselfsup_rot/downstream/extract.py`` for the output format.

    python tools/benchmarks/extract.py CONFIG --checkpoint PRETRAINED \
        --out-dir work_dirs/x/features [--launcher pytorch]
"""
import argparse
import os
import os.path as osp
import time

import torch
from mmengine.config import Config, DictAction
from mmengine.dist import get_rank, init_dist
from mmengine.registry import init_default_scope
from mmengine.runner import Runner


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='extraction config')
    parser.add_argument(
        '--checkpoint',
        default='none',
        help='checkpoint of this project, of mmselfsup 1.x or of the '
        'official RotNet code (recognised from its keys); "none" extracts '
        'random-initialisation features')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--splits', nargs='+', help='splits to extract (default: all)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    from mmselfsup_rot.datasets.checks import DatasetError, check_datasets
    from mmselfsup_rot.utils.cli import errors_as_one_line
    with errors_as_one_line(DatasetError, prefix='Dataset error: '):
        # a wrong data path: one line before the model is built
        check_datasets(cfg, [
            f'extract_dataloaders.{split}'
            for split in args.splits or cfg.get('extract_dataloaders', {})
        ])
    if args.launcher == 'pytorch':
        if torch.cuda.is_available():
            init_dist('pytorch', backend='nccl')
        else:
            # mmengine's init_dist calls torch.cuda.set_device
            torch.distributed.init_process_group(backend='gloo')
    from mmselfsup_rot.downstream import (extract_features,
                                          load_backbone_weights, save_features)
    from mmselfsup_rot.utils.launch import leave_process_group, replace_sync_bn
    from mmselfsup_rot.utils.source_checkpoint import write_source_record
    if not torch.cuda.is_available():
        replace_sync_bn(cfg.model)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    if cfg.get('custom_imports'):
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(**cfg.custom_imports)
    from mmpretrain.registry import MODELS
    model = MODELS.build(cfg.model)
    model.init_weights()
    from mmselfsup_rot.utils.checkpoint import CheckpointError
    with errors_as_one_line(CheckpointError):
        load_backbone_weights(model.backbone, args.checkpoint)
    if torch.cuda.is_available():
        model = model.cuda()
    loaders = cfg.extract_dataloaders
    splits = args.splits or list(loaders)
    unknown = sorted(set(splits) - set(loaders))
    if unknown:
        raise ValueError(f'Splits {unknown} not in the config; available: '
                         f'{list(loaders)}.')
    if get_rank() == 0:
        # the SVM/kNN results land in this folder: name what they evaluate
        write_source_record(args.out_dir, [args.checkpoint],
                            'tools/benchmarks/extract.py', args.config)
    for split in splits:
        start = time.time()
        loader = Runner.build_dataloader(
            loaders[split], seed=0, diff_rank_seed=False)
        feats = extract_features(model, loader, cfg.get('layer_names'))
        if get_rank() == 0:
            seconds = time.time() - start
            save_features(
                args.out_dir,
                split,
                feats,
                loader.dataset,
                extra_meta=dict(
                    checkpoint=args.checkpoint,
                    config=osp.abspath(args.config),
                    seconds=round(seconds, 2)))
            dims = ', '.join(f'{k} {v.shape[1]}' for k, v in feats.items())
            print(
                f'\n{split}: {len(loader.dataset)} images, {dims}; '
                f'{seconds:.1f} s -> {args.out_dir}',
                flush=True)
    leave_process_group()


if __name__ == '__main__':
    os.environ.setdefault('LOCAL_RANK', '0')
    main()
