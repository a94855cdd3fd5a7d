# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Write the 1% / 10% ImageNet subset annotation files.

    # from the published SimCLR lists (file names, one per line)
    python tools/benchmarks/make_imagenet_subset.py \
        data/imagenet/meta/train.txt data/imagenet/meta/train_1percent.txt \
        --image-list 1percent.txt
    # or a seeded class-balanced draw
    python tools/benchmarks/make_imagenet_subset.py \
        data/imagenet/meta/train.txt data/imagenet/meta/train_10percent.txt \
        --fraction 0.1
"""
import argparse

from mmselfsup_rot.downstream import make_subset_ann


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('train_ann', help='full train annotation file')
    parser.add_argument('out', help='subset annotation file to write')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--fraction', type=float)
    group.add_argument('--image-list')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    count = make_subset_ann(args.train_ann, args.out, args.fraction,
                            args.image_list, args.seed)
    print(f'{count} images -> {args.out}')


if __name__ == '__main__':
    main()
