# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Write the backbone of a RotationPred checkpoint (or backbone-only
weights) as ``{'state_dict': {'backbone.<key>': tensor}}``, the form the
benchmark configs load with ``init_cfg=dict(type='Pretrained',
prefix='backbone.')``.

    python tools/benchmarks/prepare_pretrained.py PRETRAINED OUT
"""
import argparse

from mmselfsup_rot.downstream import save_backbone_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('pretrained')
    parser.add_argument('out')
    args = parser.parse_args()
    print(save_backbone_checkpoint(args.pretrained, args.out))


if __name__ == '__main__':
    main()
