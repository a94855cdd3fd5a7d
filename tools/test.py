# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Evaluate a checkpoint with a config's test loop (mmpretrain's flags)."""
import argparse

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process

from mmselfsup_rot.engine.runner_setup import prepare_runner_or_exit
from mmselfsup_rot.utils.cli import (add_launcher_args, errors_as_one_line,
                                     export_local_rank)
from mmselfsup_rot.utils.launch import leave_process_group


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
    if cfg.get('test_dataloader') is None:
        raise SystemExit(f'{args.config} defines no test_dataloader; '
                         'nothing to evaluate.')
    cfg.load_from = args.checkpoint
    # work_dir: CLI > config > ./work_dirs/<config name>; a missing dataset
    # or a part with another rotation set than the model: one line
    runner = prepare_runner_or_exit(
        cfg,
        launcher=args.launcher,
        work_dir=args.work_dir,
        cfg_options=args.cfg_options,
        mode='test')
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
