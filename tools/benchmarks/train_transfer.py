# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Fine-tune and test an mmdet/mmseg transfer benchmark from our backbone.

Usually started by ``tools/benchmarks/dist_train_transfer.sh``; on one
process::

    python tools/benchmarks/train_transfer.py CONFIG PRETRAINED \\
        [--work-dir DIR] [--cfg-options key=value ...]
"""
import argparse

from mmengine.config import DictAction

from mmselfsup_rot.utils.cli import add_launcher_args, export_local_rank


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Transfer benchmark: fine-tune from a pretrained '
        'backbone, then test')
    parser.add_argument('config', help='mmdet or mmseg benchmark config')
    parser.add_argument(
        'pretrained',
        help='checkpoint of this project, of mmselfsup 1.x or of the '
        'official RotNet code (recognised from its keys); "none" for the '
        'random-initialisation baseline')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--no-test',
        action='store_true',
        help='do not evaluate on the test set after training')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs')
    add_launcher_args(parser, launchers=('none', 'pytorch'))
    args = parser.parse_args()
    export_local_rank(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    from mmselfsup_rot.datasets.checks import DatasetError
    from mmselfsup_rot.downstream.transfer import (PretrainedMismatchError,
                                                   run_transfer)
    from mmselfsup_rot.utils.checkpoint import CheckpointError
    from mmselfsup_rot.utils.cli import errors_as_one_line
    from mmselfsup_rot.utils.launch import leave_process_group
    from mmselfsup_rot.utils.mmcv_ops import MissingCompiledOpsError

    # data missing on disk or weights that would not load: one line,
    # before any training step
    with errors_as_one_line(DatasetError, prefix='Dataset error: '), \
            errors_as_one_line(PretrainedMismatchError, CheckpointError,
                               MissingCompiledOpsError):
        run_transfer(
            args.config,
            args.pretrained,
            work_dir=args.work_dir,
            cfg_options=args.cfg_options,
            launcher=args.launcher,
            test=not args.no_test)
    leave_process_group()


if __name__ == '__main__':
    main()
