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
from collections import OrderedDict
from typing import Dict

import torch

from mmselfsup_rot.utils.checkpoint import (CheckpointError, get_state_dict,
                                            load_checkpoint_file)

Tensor = torch.Tensor
#: Row ``i`` of the converted classifier is row ``CW_TO_CCW[i]`` of 1.x's:
#: CCW 90 degrees = CW 270 degrees (label 3) and vice versa.
CW_TO_CCW = (0, 3, 2, 1)


def convert(checkpoint: dict,
            keep_clockwise: bool = False) -> 'OrderedDict[str, Tensor]':
    """Convert the weights of a loaded mmselfsup 1.x checkpoint.

    Args:
        checkpoint (dict): The loaded checkpoint.
        keep_clockwise (bool): Keep 1.x's clockwise label order.

    Returns:
        OrderedDict: ``RotationPred`` weights (``backbone.*``,
        ``head.fc.*``; a neck is kept as is).
    """
    if 'network' in checkpoint:
        raise CheckpointError(
            'This is an official RotNet checkpoint ("network" entry); use '
            'rotnet_official_to_mmselfsup_rot.py.')
    state: Dict[str, Tensor] = get_state_dict(checkpoint)
    if 'head.fc.weight' in state and 'head.fc_cls.weight' not in state:
        raise CheckpointError(
            'Found head.fc.* (this project\'s RotationHead): the checkpoint '
            'is already in mmselfsup_rot format.')
    if 'head.fc_cls.weight' not in state:
        heads = sorted({k for k in state if k.startswith('head.')})
        prefixes = sorted({k.split('.')[0] for k in state})
        raise CheckpointError(
            'Not an mmselfsup 1.x rotation-pred checkpoint: expected '
            f'head.fc_cls.weight, found head keys {heads[:6]} and key '
            f'prefixes {prefixes[:8]}.')
    weight = state['head.fc_cls.weight']
    if weight.shape[0] != 4:
        raise CheckpointError(
            f'Expected a 4-way rotation classifier, found head.fc_cls with '
            f'{weight.shape[0]} outputs (not a rotation-pred checkpoint?).')
    out = OrderedDict()
    for key, value in state.items():
        if key.startswith('head.fc_cls.'):
            name = key[len('head.fc_cls.'):]
            if not keep_clockwise:
                value = value[list(CW_TO_CCW)].clone()
            out[f'head.fc.{name}'] = value
        elif key.startswith(('backbone.', 'neck.')):
            out[key] = value
        elif key.startswith('data_preprocessor.'):
            continue
        else:
            raise CheckpointError(
                f'Unexpected key {key!r} in an mmselfsup 1.x rotation-pred '
                'checkpoint.')
    return out


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
    state = convert(checkpoint, args.keep_clockwise)
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
