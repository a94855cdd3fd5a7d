# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Recognise the checkpoint formats users already have and convert them
to this project's key names.

Three formats are read:

- this project's: a ``RotationPred`` checkpoint (``backbone.*``,
  ``head.fc.*``) or backbone-only weights (flat, no model prefixes);
- mmselfsup 1.x rotation-pred: ``backbone.*`` (mmpretrain's ResNet names)
  and ``head.fc_cls.*`` (its ``ClsHead``), with **clockwise** labels (it
  rotated with ``mmcv.imrotate(img, 90)``);
- the official RotNet code (gidariss/FeatureLearningRotNet): ``{'epoch':
  E, 'network': state_dict}`` with ``_feature_blocks.N.*`` keys, NIN or BN
  AlexNet, counter-clockwise labels like ours.

:func:`load_pretrained_backbone` is the one entry of the benchmarks: it
reads a file safely, recognises its format from the keys, converts it in
memory and logs one line naming what it found. The converters in
``tools/model_converters/`` write the same conversions to files.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
from mmengine.logging import print_log

from .checkpoint import (CheckpointError, backbone_state_dict, get_state_dict,
                         load_checkpoint_file)

Tensor = torch.Tensor

ROTATION_PRED = 'RotationPred checkpoint'
BACKBONE_ONLY = 'backbone-only weights'
MMSELFSUP_1X = 'mmselfsup 1.x rotation-pred checkpoint'
ROTNET_OFFICIAL = 'official RotNet checkpoint'
#: What each format looks like, for the error on a file of none of them.
ACCEPTED_FORMATS = (
    "this project's RotationPred checkpoints (backbone.* + head.fc.*) "
    'or backbone-only weights; mmselfsup 1.x rotation-pred checkpoints '
    '(backbone.* + head.fc_cls.*); official RotNet checkpoints '
    "({'epoch': E, 'network': {'_feature_blocks.N.*': ...}}, NIN or BN "
    'AlexNet)')
_MODEL_PARTS = ('head.', 'neck.', 'data_preprocessor.')

#: Row ``i`` of a counter-clockwise classifier is row ``CW_TO_CCW[i]`` of
#: mmselfsup 1.x's clockwise one: 90 degrees CCW is 270 degrees CW (label
#: 3) and vice versa.
CW_TO_CCW = (0, 3, 2, 1)

_NIN_KEY = re.compile(r'^_feature_blocks\.(\d+)\.Block(\d+)_ConvB(\d+)\.'
                      r'layers\.(Conv|BatchNorm)\.(\w+)$')
_NIN_CLS_KEY = re.compile(r'^_feature_blocks\.(\d+)\.Classifier\.(\w+)$')
_BLOCK_KEY = re.compile(r'^_feature_blocks\.(\d+)\.(?:(\d+)\.)?(\w+)$')


def _strip_module(state: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Drop the ``module.`` prefix of checkpoints saved from DDP."""
    if state and all(k.startswith('module.') for k in state):
        return {k[len('module.'):]: v for k, v in state.items()}
    return state


def _prefixes(keys) -> List[str]:
    return sorted({k.split('.')[0] for k in keys})


# --- official RotNet -------------------------------------------------------
def _convert_nin(state: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Rename the weights of the official ``NetworkInNetwork``."""
    out = OrderedDict()
    for key, value in state.items():
        match = _NIN_KEY.match(key)
        if match:
            block, _, conv, kind, name = match.groups()
            layer = 'conv' if kind == 'Conv' else 'bn'
            out[f'backbone.blocks.{block}.{int(conv) - 1}.{layer}.{name}'] = \
                value
            continue
        match = _NIN_CLS_KEY.match(key)
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
        match = _BLOCK_KEY.match(key)
        if not match:
            raise CheckpointError(
                f'Unexpected key {key!r} in an official AlexNet checkpoint.')
        block, index, name = match.groups()
        layers = blocks.setdefault(int(block), {})
        layers.setdefault(-1 if index is None else int(index), {})[name] = \
            value
    return sorted(
        (b, dict(sorted(layers.items()))) for b, layers in blocks.items())


def _convert_alexnet(state: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
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


def detect_rotnet_arch(state: Dict[str, Tensor]) -> str:
    """``'nin'`` or ``'alexnet'`` for the ``network`` weights of an
    official RotNet checkpoint, or a CheckpointError naming what was
    found."""
    if any('.Block1_ConvB1.' in k for k in state):
        return 'nin'
    first = state.get('_feature_blocks.0.0.weight')
    if first is not None and tuple(first.shape[:2]) == (64, 3) \
            and tuple(first.shape[2:]) == (11, 11):
        return 'alexnet'
    prefixes = _prefixes(state)
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


def convert_rotnet_official(checkpoint: dict) -> 'OrderedDict[str, Tensor]':
    """``RotationPred`` weights (``backbone.*``, ``head.fc.*``) of a loaded
    official RotNet checkpoint.

    NIN checkpoints fit ``NIN(num_stages=S)`` + ``RotationHead(
    in_channels=192)``; AlexNet ones ``RotNetAlexNet(with_fc=True)`` +
    ``RotationHead(in_channels=4096, pool_type='none')``. Both codes rotate
    counter-clockwise: the labels need no change.
    """
    if not isinstance(checkpoint.get('network'), dict):
        raise CheckpointError(
            'Not an official RotNet checkpoint: expected a "network" entry, '
            f'found keys {sorted(checkpoint)[:8]}.')
    state = checkpoint['network']
    if detect_rotnet_arch(state) == 'nin':
        return _convert_nin(state)
    return _convert_alexnet(state)


# --- mmselfsup 1.x ---------------------------------------------------------
def convert_mmselfsup1x(
        checkpoint: dict,
        keep_clockwise: bool = False) -> 'OrderedDict[str, Tensor]':
    """``RotationPred`` weights of a loaded mmselfsup 1.x rotation-pred
    checkpoint.

    Args:
        checkpoint (dict): The loaded checkpoint.
        keep_clockwise (bool): Keep 1.x's clockwise label order (the model
            then needs ``clockwise=True``); by default the classifier rows
            1 and 3 are swapped into this project's counter-clockwise order.

    Returns:
        OrderedDict: ``backbone.*`` (unchanged: mmselfsup 1.x's ResNet has
        mmpretrain's names), ``head.fc.*`` (from ``head.fc_cls.*``); a neck
        is kept as is.
    """
    if 'network' in checkpoint:
        raise CheckpointError(
            'This is an official RotNet checkpoint ("network" entry); use '
            'rotnet_official_to_mmselfsup_rot.py.')
    state = _strip_module(get_state_dict(checkpoint))
    if 'head.fc.weight' in state and 'head.fc_cls.weight' not in state:
        raise CheckpointError(
            'Found head.fc.* (this project\'s RotationHead): the checkpoint '
            'is already in mmselfsup_rot format.')
    if 'head.fc_cls.weight' not in state:
        heads = sorted({k for k in state if k.startswith('head.')})
        raise CheckpointError(
            'Not an mmselfsup 1.x rotation-pred checkpoint: expected '
            f'head.fc_cls.weight, found head keys {heads[:6]} and key '
            f'prefixes {_prefixes(state)[:8]}.')
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


# --- recognition -----------------------------------------------------------
def recognise_checkpoint(checkpoint: dict) -> str:
    """Which format a loaded checkpoint is in, from its keys.

    Returns:
        str: :data:`ROTATION_PRED`, :data:`BACKBONE_ONLY`,
        :data:`MMSELFSUP_1X` or :data:`ROTNET_OFFICIAL`.

    Raises:
        CheckpointError: For a file of none of them, naming what it holds.
    """
    network = checkpoint.get('network')
    if isinstance(network, dict):
        if any(k.startswith('_feature_blocks.') for k in network):
            return ROTNET_OFFICIAL
        raise CheckpointError(
            'it has a "network" entry but no _feature_blocks.N.* keys (key '
            f'prefixes {_prefixes(network)[:8]})')
    try:
        state = _strip_module(get_state_dict(checkpoint))
    except CheckpointError:
        raise CheckpointError('it holds no weights (top-level keys '
                              f'{sorted(map(str, checkpoint))[:8]})') from None
    if not state:
        raise CheckpointError('its weights are empty')
    if 'head.fc_cls.weight' in state and any(
            k.startswith('backbone.') for k in state):
        return MMSELFSUP_1X
    if any(k.startswith('backbone.') for k in state):
        return ROTATION_PRED
    if any(k.startswith(_MODEL_PARTS) for k in state):
        raise CheckpointError(
            'it has model weights but none under "backbone." (key prefixes '
            f'{_prefixes(state)[:8]})')
    if any(k.startswith('_feature_blocks.') for k in state):
        raise CheckpointError(
            'it has official RotNet keys (_feature_blocks.N.*) outside a '
            '"network" entry')
    return BACKBONE_ONLY


def to_rotation_pred(
        checkpoint: dict,
        source: str = 'The checkpoint'
) -> Tuple[str, 'OrderedDict[str, Tensor]']:
    """Recognise a loaded checkpoint and return its weights under this
    project's names.

    mmselfsup 1.x classifiers are put into this project's counter-clockwise
    label order (backbones are unaffected by the direction).

    Args:
        checkpoint (dict): The loaded checkpoint.
        source (str): The file, for messages.

    Returns:
        tuple: The format (see :func:`recognise_checkpoint`) and the
        weights (model keys, or backbone keys for backbone-only weights).

    Raises:
        CheckpointError: One line naming the accepted formats, for a file
            of none of them.
    """
    try:
        fmt = recognise_checkpoint(checkpoint)
    except CheckpointError as err:
        raise CheckpointError(
            f'{source} is not a checkpoint format this project reads: '
            f'{err}. Accepted: {ACCEPTED_FORMATS}.') from None
    if fmt == ROTNET_OFFICIAL:
        return fmt, convert_rotnet_official(checkpoint)
    if fmt == MMSELFSUP_1X:
        return fmt, convert_mmselfsup1x(checkpoint)
    return fmt, OrderedDict(_strip_module(get_state_dict(checkpoint)))


def pretrained_backbone_state_dict(
        checkpoint: dict,
        source: str = 'The checkpoint',
        prefix: str = 'backbone.',
        log: bool = True) -> 'OrderedDict[str, Tensor]':
    """The backbone weights of a loaded checkpoint of any accepted format.

    Args:
        checkpoint (dict): The loaded checkpoint.
        source (str): The file, for messages.
        prefix (str): Prefix of the backbone keys in full checkpoints.
        log (bool): Log one line naming the recognised format.

    Returns:
        OrderedDict: Backbone weights, keys without ``prefix``.
    """
    fmt, state = to_rotation_pred(checkpoint, source)
    backbone = backbone_state_dict({'state_dict': state}, prefix, source)
    if log:
        how = {
            ROTNET_OFFICIAL: ', converted in memory',
            MMSELFSUP_1X: ' (backbone keys unchanged)',
        }.get(fmt, '')
        print_log(
            f'{source}: recognised format: {fmt}; {len(backbone)} backbone '
            f'tensors{how}.', 'current')
    return backbone


def load_pretrained_backbone(path: str,
                             prefix: str = 'backbone.'
                             ) -> 'OrderedDict[str, Tensor]':
    """Read ``path`` safely and return its backbone weights, whichever of
    the accepted formats it is in (logs one line naming it).

    This is where the benchmark launchers' ``PRETRAINED`` enters: linear,
    semi-supervised and the configs they train
    (``tools/benchmarks/prepare_pretrained.py``), feature extraction for
    the SVM and kNN (``tools/benchmarks/extract.py``) and the mmdet/mmseg
    transfers (``tools/benchmarks/train_transfer.py``).

    Args:
        path (str): The checkpoint file.
        prefix (str): Prefix of the backbone keys in full checkpoints.

    Returns:
        OrderedDict: Backbone weights, keys without ``prefix``.

    Raises:
        CheckpointError: Unreadable, unsafe, or of none of the accepted
            formats (one line naming them).
    """
    return pretrained_backbone_state_dict(
        load_checkpoint_file(path), source=path, prefix=prefix)
