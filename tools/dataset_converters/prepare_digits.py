# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Write scikit-learn's bundled handwritten digits (real images, no
download) as an ImageNet-layout dataset:

    ROOT/train/digit_<d>/*.png, ROOT/val/digit_<d>/*.png,
    ROOT/meta/train.txt, ROOT/meta/val.txt
"""
import argparse

from mmselfsup_rot.datasets.miniature import make_digits_imagenet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', nargs='?', default='data/digits')
    parser.add_argument('--size', type=int, default=32)
    parser.add_argument('--val-fraction', type=float, default=0.25)
    args = parser.parse_args()
    make_digits_imagenet(args.root, args.size, args.val_fraction)
    print(f'digits written to {args.root}')


if __name__ == '__main__':
    main()
