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
import re
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

from mmselfsup_rot.utils.checkpoint import (CheckpointError,
                                            load_checkpoint_file)

Tensor = torch.Tensor
NIN_KEY = re.compile(r'^_feature_blocks\.(\d+)\.Block(\d+)_ConvB(\d+)\.'
                     r'layers\.(Conv|BatchNorm)\.(\w+)$')
NIN_CLS_KEY = re.compile(r'^_feature_blocks\.(\d+)\.Classifier\.(\w+)$')
BLOCK_KEY = re.compile(r'^_feature_blocks\.(\d+)\.(?:(\d+)\.)?(\w+)$')


def convert_nin(state: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Rename the weights of the official ``NetworkInNetwork``."""
    out = OrderedDict()
    for key, value in state.items():
        match = NIN_KEY.match(key)
        if match:
            block, _, conv, kind, name = match.groups()
            layer = 'conv' if kind == 'Conv' else 'bn'
            out[f'backbone.blocks.{block}.{int(conv) - 1}.{layer}.{name}'] = \
                value
            continue
        match = NIN_CLS_KEY.match(key)
        if match:
            out[f'head.fc.{match.group(2)}'] = value
            continue
        raise CheckpointError(
            f'Unexpected key {key!r} in an official NIN checkpoint.')
    if 'head.fc.weight' not in out:
        raise CheckpointError('The NIN checkpoint has no classifier '
                              '(_feature_blocks.N.Classifier.weight).')
    return out


def _group_blocks(
        state: Dict[str, Tensor]) -> List[Tuple[int, Dict[int, dict]]]:
    """``_feature_blocks.B.[I.]name`` -> sorted [(B, {I: {name: t}})]."""
    blocks: Dict[int, Dict[int, dict]] = {}
    for key, value in state.items():
        match = BLOCK_KEY.match(key)
        if not match:
            raise CheckpointError(
                f'Unexpected key {key!r} in an official AlexNet checkpoint.')
        block, index, name = match.groups()
        layers = blocks.setdefault(int(block), {})
        layers.setdefault(-1 if index is None else int(index), {})[name] = \
            value
    return sorted(
        (b, dict(sorted(layers.items()))) for b, layers in blocks.items())


def convert_alexnet(state: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Rename the weights of the official BN ``AlexNet``.

    Its ``_feature_blocks`` are conv1, pool1, conv2, pool2, conv3, conv4,
    conv5, pool5, fc_block, classifier; layers are recognised by their
    tensors (4-D weight: conv, running mean: BN, 2-D weight: Linear) rather
    than by position.
    """
    convs, linears = [], []
    for _, layers in _group_blocks(state):
        kinds = []
        for params in layers.values():
            if 'running_mean' in params:
                kinds.append(('bn', params))
            elif params['weight'].dim() == 4:
                kinds.append(('conv', params))
            else:
                kinds.append(('linear', params))
        if kinds and kinds[0][0] == 'conv':
            convs.append(kinds)
        else:
            linears.append(kinds)
    if len(convs) != 5 or len(linears) != 2:
        raise CheckpointError(
            f'Expected 5 conv blocks, an fc block and a classifier in an '
            f'official AlexNet checkpoint, found {len(convs)} conv and '
            f'{len(linears)} linear blocks.')
    out = OrderedDict()
    for idx, layers in enumerate(convs):
        for kind, params in layers:
            for name, value in params.items():
                out[f'backbone.convs.{idx}.{kind}.{name}'] = value
    fc_layers, (classifier, ) = linears
    targets = iter(['0', '1', '3', '4'])  # Linear, BN, Linear, BN
    for kind, params in fc_layers:
        position = next(targets, None)
        if position is None:
            raise CheckpointError('The AlexNet fc block has more than two '
                                  'Linear + BN pairs.')
        for name, value in params.items():
            out[f'backbone.fc_block.{position}.{name}'] = value
    for name, value in classifier[1].items():
        out[f'head.fc.{name}'] = value
    return out


def detect_arch(state: Dict[str, Tensor]) -> str:
    """``'nin'`` or ``'alexnet'``, or a CheckpointError naming what was
    found."""
    if any('.Block1_ConvB1.' in k for k in state):
        return 'nin'
    first = state.get('_feature_blocks.0.0.weight')
    if first is not None and tuple(first.shape[:2]) == (64, 3) \
            and tuple(first.shape[2:]) == (11, 11):
        return 'alexnet'
    prefixes = sorted({k.split('.')[0] for k in state})
    if any(k.startswith('_feature_blocks.') for k in state):
        shape = None if first is None else tuple(first.shape)
        what = ('an official RotNet checkpoint of another architecture '
                f'(first weight of shape {shape})')
    elif 'backbone' in prefixes:
        what = ('an OpenMMLab model checkpoint (backbone./head. keys); it '
                'needs no conversion, or use '
                'mmselfsup1x_to_mmselfsup_rot.py for mmselfsup 1.x')
    else:
        what = f'keys with prefixes {prefixes[:8]}'
    raise CheckpointError(
        'Not an official RotNet NIN or AlexNet checkpoint: found ' + what +
        '.')


def convert(checkpoint: dict) -> 'OrderedDict[str, Tensor]':
    """Convert a loaded official checkpoint to ``RotationPred`` weights."""
    if not isinstance(checkpoint.get('network'), dict):
        raise CheckpointError(
            'Not an official RotNet checkpoint: expected a "network" entry, '
            f'found keys {sorted(checkpoint)[:8]}.')
    state = checkpoint['network']
    arch = detect_arch(state)
    return convert_nin(state) if arch == 'nin' else convert_alexnet(state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official RotNet checkpoint')
    parser.add_argument('dst', help='output RotationPred checkpoint')
    args = parser.parse_args()
    checkpoint = load_checkpoint_file(args.src)
    state = convert(checkpoint)
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
