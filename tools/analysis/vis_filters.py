# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""First-layer filters of a checkpoint as an image grid (the paper's
Figure 4).

    python tools/analysis/vis_filters.py CHECKPOINT OUT.png [--key KEY]
        [--ncols 8] [--scale 8]

Each filter is scaled to [0, 1] by its own minimum and maximum and drawn
with ``scale`` x ``scale`` pixels per weight, one white pixel (before
scaling) between filters.
"""
import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='full model or backbone weights')
    parser.add_argument('out', help='PNG to write')
    parser.add_argument(
        '--key', help='weight to show (default: the first convolution)')
    parser.add_argument('--ncols', type=int, default=8)
    parser.add_argument('--scale', type=int, default=8)
    args = parser.parse_args()
    from mmselfsup_rot.visualization.filters import (filter_grid,
                                                     first_conv_weight,
                                                     save_image)
    key, weight = first_conv_weight(args.checkpoint, args.key)
    save_image(filter_grid(weight, args.ncols), args.out, args.scale)
    print(f'{key} {tuple(weight.shape)} -> {args.out}')


if __name__ == '__main__':
    main()
