# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Convert an mmselfsup 1.x rotation-pred checkpoint into a
``RotationPred`` checkpoint of this project.

mmselfsup 1.x's head is ``ClsHead`` with ``fc_cls``; ours is
``RotationHead`` with ``fc``. mmselfsup 1.x rotated with
``mmcv.imrotate(img, 90)``, i.e. **clockwise**: its label 1 is 90 degrees
clockwise (= 270 counter-clockwise) and label 3 is 270 clockwise (= 90
CCW). By default the classifier rows 1 and 3 are swapped so that the model
predicts this project's counter-clockwise labels; with
``--keep-clockwise`` the rows are kept and the model must be used with
``model.clockwise=True`` (its preprocessor and rotation transforms follow).

Example:
    python tools/model_converters/mmselfsup1x_to_mmselfsup_rot.py \
        rotation-pred_resnet50_8xb16-steplr-70e_in1k_20220825-a8bf5f69.pth \
        rotation-pred_r50_in1k.pth
"""
import argparse

import torch

from mmselfsup_rot.utils.checkpoint import load_checkpoint_file
from mmselfsup_rot.utils.checkpoint_formats import convert_mmselfsup1x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='mmselfsup 1.x rotation-pred checkpoint')
    parser.add_argument('dst', help='output RotationPred checkpoint')
    parser.add_argument(
        '--keep-clockwise',
        action='store_true',
        help='keep the clockwise label order of mmselfsup 1.x')
    args = parser.parse_args()
    checkpoint = load_checkpoint_file(args.src)
    state = convert_mmselfsup1x(checkpoint, args.keep_clockwise)
    meta = dict(
        converted_from=args.src,
        source='mmselfsup 1.x',
        label_order='clockwise'
        if args.keep_clockwise else 'counter-clockwise')
    torch.save({'state_dict': state, 'meta': meta}, args.dst)
    print(f'Saved {len(state)} tensors ({meta["label_order"]} rotation '
          f'labels) to {args.dst}')


if __name__ == '__main__':
    main()
