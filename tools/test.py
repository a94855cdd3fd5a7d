# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Evaluate a checkpoint with a config's test loop (mmpretrain's flags)."""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmselfsup_rot.utils.cli import (add_launcher_args, errors_as_one_line,
                                     export_local_rank)
from mmselfsup_rot.engine.rotation_set_config import share_rotation_set
from mmselfsup_rot.utils.rotation_set import RotationSetError


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and results')
    parser.add_argument(
        '--out', help='dump the test results to this pickle file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs')
    add_launcher_args(parser)
    args = parser.parse_args()
    export_local_rank(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if cfg.get('test_dataloader') is None:
        raise SystemExit(f'{args.config} defines no test_dataloader; '
                         'nothing to evaluate.')
    if cfg.test_dataloader.get('num_workers', 0) == 0:
        cfg.test_dataloader['persistent_workers'] = False

    with errors_as_one_line(RotationSetError):
        share_rotation_set(cfg)

    from mmselfsup_rot.datasets.checks import check_datasets_or_exit
    check_datasets_or_exit(cfg, mode='test')

    from mmselfsup_rot.utils.launch import (adapt_cfg_to_cpu,
                                            leave_process_group)
    adapt_cfg_to_cpu(cfg, args.launcher)

    with errors_as_one_line(RotationSetError):
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else \
            RUNNERS.build(cfg)
    # refuse a checkpoint that does not fit, in one line, rather than
    # mmengine's non-strict load that only warns
    from mmselfsup_rot.utils.checkpoint import (CheckpointError,
                                                check_checkpoint_fits)
    with errors_as_one_line(CheckpointError):
        check_checkpoint_fits(runner.model, args.checkpoint)
    if args.out:
        from mmengine.evaluator import DumpResults
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    # an unreadable image, or one of another size than the rest of its
    # batch, fails in one line naming the file
    from mmselfsup_rot.datasets.transforms.loading import BadImageError
    with errors_as_one_line(BadImageError):
        metrics = runner.test()
    if is_main_process():  # every rank holds the same metrics: print once
        print(metrics)
    leave_process_group()


if __name__ == '__main__':
    main()
