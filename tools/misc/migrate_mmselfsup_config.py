# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Migrate an mmselfsup 1.x rotation-pred config to this project.

Reads SRC_CONFIG with its ``_base_`` files (as data: nothing of mmselfsup
1.x needs to be installed), writes OUT_CONFIG and prints every change, one
line each. A part without a counterpart here stops with one line naming
its key. The 1.x clockwise rotation labels are kept (``model.clockwise=
True``) unless ``--counter-clockwise`` converts them. See
docs/migration.md.

Example:
    python tools/misc/migrate_mmselfsup_config.py \
        ../mmselfsup/configs/selfsup/rotation_pred/\
rotation-pred_resnet50_8xb16-steplr-70e_in1k.py \
        configs/migrated/rotation-pred_resnet50_1x.py
"""
import argparse
import os
import os.path as osp

from mmselfsup_rot.model_zoo.mmselfsup1x_config import (
    MigrationError, load_mmselfsup1x_config, migrate_mmselfsup1x_config,
    render_config)
from mmselfsup_rot.utils.cli import errors_as_one_line


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='mmselfsup 1.x rotation-pred config')
    parser.add_argument('out', help='config of this project to write')
    parser.add_argument(
        '--counter-clockwise',
        action='store_true',
        help='convert the labels to this project\'s counter-clockwise '
        'order instead of keeping 1.x\'s clockwise ones')
    parser.add_argument(
        '--rotate-in-loader',
        action='store_true',
        help='keep the flip and the rotations in the data pipeline instead '
        'of the model\'s preprocessor')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    keep_clockwise = not args.counter_clockwise
    with errors_as_one_line(MigrationError):
        cfg, changes = migrate_mmselfsup1x_config(
            load_mmselfsup1x_config(args.src),
            keep_clockwise=keep_clockwise,
            rotate_on_device=not args.rotate_in_loader)
    text = render_config(cfg, args.src, changes, keep_clockwise)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text)
    for line in changes:
        print(line)
    print(f'{len(changes)} changes; wrote {args.out}')


if __name__ == '__main__':
    main()
