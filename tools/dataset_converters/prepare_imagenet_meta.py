# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Write ImageNet's meta/train.txt and meta/val.txt from the official
download (train/<wnid>/ folders, a flat val/ folder and its labels).

    # labels from the ILSVRC2012 development kit
    python tools/dataset_converters/prepare_imagenet_meta.py data/imagenet \\
        --devkit data/imagenet/ILSVRC2012_devkit_t12
    # or from a label file: "<image> <wnid>" / "<image> <label>" lines, or
    # the localisation challenge's LOC_val_solution.csv
    python tools/dataset_converters/prepare_imagenet_meta.py data/imagenet \\
        --val-labels LOC_val_solution.csv

Labels are the positions of the WordNet ids in sorted order (mmpretrain's
ImageNet class order). A val/ folder already sorted into <wnid>/ folders
needs neither option.
"""
import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='ImageNet folder with train/ and val/')
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument(
        '--devkit', help='unpacked ILSVRC2012_devkit_t12 folder')
    labels.add_argument('--val-labels', help='validation label file')
    args = parser.parse_args()
    from mmselfsup_rot.datasets.checks import DatasetError
    from mmselfsup_rot.datasets.imagenet_meta import write_imagenet_meta
    from mmselfsup_rot.utils.cli import errors_as_one_line
    with errors_as_one_line(DatasetError):
        counts = write_imagenet_meta(args.root, args.devkit, args.val_labels)
    print(f'{counts["classes"]} classes; meta/train.txt: {counts["train"]} '
          f'images, meta/val.txt: {counts["val"]} images -> {args.root}/meta')


if __name__ == '__main__':
    main()
