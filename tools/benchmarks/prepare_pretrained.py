# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Write a checkpoint's backbone in the form the benchmark configs load.

The output is ``{'state_dict': {'backbone.<key>': tensor}}``, loaded with
``init_cfg=dict(type='Pretrained', prefix='backbone.')``. The input is
this project's RotationPred checkpoint or backbone-only weights, an
mmselfsup 1.x rotation-pred checkpoint or an official RotNet checkpoint,
recognised from its keys.

    python tools/benchmarks/prepare_pretrained.py PRETRAINED OUT
"""
import argparse

from mmselfsup_rot.downstream import save_backbone_checkpoint
from mmselfsup_rot.utils.checkpoint import CheckpointError
from mmselfsup_rot.utils.cli import errors_as_one_line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('pretrained')
    parser.add_argument('out')
    args = parser.parse_args()
    # a file of another format: one line naming the accepted ones
    with errors_as_one_line(CheckpointError):
        print(save_backbone_checkpoint(args.pretrained, args.out))


if __name__ == '__main__':
    main()
