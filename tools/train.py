# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Train a model from a config (mmpretrain's flags)."""
import argparse
from copy import deepcopy

from mmengine.config import Config, ConfigDict, DictAction

from mmselfsup_rot.engine.runner_setup import prepare_runner_or_exit
from mmselfsup_rot.utils.cli import (add_launcher_args, errors_as_one_line,
                                     export_local_rank)
from mmselfsup_rot.utils.launch import leave_process_group


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or without a value from the '
        'latest checkpoint in the work directory')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual total batch size')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in the dataloaders')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='disable persistent_workers in the dataloaders')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs, e.g. '
        'train_dataloader.batch_size=8 or key="[a,b]"')
    add_launcher_args(parser)
    args = parser.parse_args()
    export_local_rank(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge command-line arguments into the config."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True

    default_dataloader_cfg = ConfigDict(
        pin_memory=True,
        persistent_workers=True,
        collate_fn=dict(type='default_collate'))

    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(field, None) is None:
            continue
        dataloader_cfg = deepcopy(default_dataloader_cfg)
        dataloader_cfg.update(cfg[field])
        if args.no_pin_memory:
            dataloader_cfg['pin_memory'] = False
        if args.no_persistent_workers:
            dataloader_cfg['persistent_workers'] = False
        cfg[field] = dataloader_cfg
    return cfg


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    # work_dir: CLI > config > ./work_dirs/<config name>; a missing dataset
    # or a part with another rotation set than the model: one line
    runner = prepare_runner_or_exit(
        cfg,
        launcher=args.launcher,
        work_dir=args.work_dir,
        cfg_options=args.cfg_options,
        mode='train')

    # mmengine loads pretrained and `load_from` weights non-strictly (a
    # foreign file only warns): refuse what does not fit, in one line.
    from mmselfsup_rot.utils.checkpoint import (CheckpointError,
                                                check_checkpoint_fits,
                                                check_pretrained_init_cfgs)
    with errors_as_one_line(CheckpointError):
        check_pretrained_init_cfgs(runner.model)
        if cfg.get('load_from'):
            check_checkpoint_fits(runner.model, cfg.load_from)
    # a benchmark run names the pretraining checkpoint it evaluates, so the
    # model-zoo collector attributes it wherever its work_dir is
    from mmengine.dist import is_main_process

    from mmselfsup_rot.utils.source_checkpoint import (pretrained_checkpoints,
                                                       write_source_record)
    pretrained = pretrained_checkpoints(runner.model)
    if pretrained and is_main_process():
        write_source_record(runner.work_dir, pretrained, 'tools/train.py',
                            args.config)
    # an image that no pipeline step can use (unreadable in validation, or
    # of another size than the rest of its batch) fails in one line
    from mmselfsup_rot.datasets.transforms.loading import BadImageError
    with errors_as_one_line(BadImageError):
        runner.train()
    leave_process_group()


if __name__ == '__main__':
    main()
