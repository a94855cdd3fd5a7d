# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Convert an official RotNet checkpoint (gidariss/FeatureLearningRotNet,
``{'epoch': E, 'network': state_dict}``, NIN or AlexNet) into a
``RotationPred`` checkpoint of this project (``backbone.*`` + ``head.*``).

NIN checkpoints load into ``NIN(num_stages=S)`` + ``RotationHead(
in_channels=192)``; AlexNet ones into ``RotNetAlexNet(with_fc=True)`` +
``RotationHead(in_channels=4096, pool_type='none')``, e.g. the configs
``rotation-pred_nin-4b_*`` and ``rotation-pred_alexnet-bn_*``. Both codes
rotate counter-clockwise, so the labels need no change.

Example:
    python tools/model_converters/rotnet_official_to_mmselfsup_rot.py \
        model_net_epoch200 rotnet_nin4b_cifar10.pth
"""
import argparse

import torch

from mmselfsup_rot.utils.checkpoint import load_checkpoint_file
from mmselfsup_rot.utils.checkpoint_formats import convert_rotnet_official


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official RotNet checkpoint')
    parser.add_argument('dst', help='output RotationPred checkpoint')
    args = parser.parse_args()
    checkpoint = load_checkpoint_file(args.src)
    state = convert_rotnet_official(checkpoint)
    arch = 'NIN' if any(k.startswith('backbone.blocks.') for k in state) \
        else 'RotNetAlexNet'
    meta = dict(
        converted_from=args.src,
        source='gidariss/FeatureLearningRotNet',
        epoch=checkpoint.get('epoch'),
        backbone=arch,
        num_classes=int(state['head.fc.weight'].shape[0]))
    if arch == 'NIN':
        meta['num_stages'] = len(
            {k.split('.')[2]
             for k in state if k.startswith('backbone.')})
        arch = f'NIN with {meta["num_stages"]} blocks'
    torch.save({'state_dict': state, 'meta': meta}, args.dst)
    print(f'Saved {len(state)} tensors of {arch} ({meta["num_classes"]} '
          f'rotation classes) to {args.dst}')


if __name__ == '__main__':
    main()
