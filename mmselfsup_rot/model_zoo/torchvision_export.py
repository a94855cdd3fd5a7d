# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Export a ResNet backbone as a ``torchvision.models.resnet*`` state dict.

mmpretrain's ResNet (``style='pytorch'``, the default of every config of
this project) has torchvision's layout and names: ``conv1``/``bn1``,
``layerN.M.convK``/``bnK`` and ``layerN.M.downsample.0/1``. The export
checks that the weights are such a ResNet, recognises its depth from the
blocks, and verifies that ``torchvision.models.resnet<depth>()`` takes
them with nothing missing but the classifier ``fc.*``, which rotation
pretraining does not train.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

from mmselfsup_rot.utils.checkpoint import CheckpointError
from mmselfsup_rot.utils.checkpoint_formats import load_pretrained_backbone

Tensor = torch.Tensor
#: torchvision's ResNets: depth -> (bottleneck blocks?, blocks per stage).
TORCHVISION_RESNETS: Dict[int, Tuple[bool, Tuple[int, ...]]] = {
    18: (False, (2, 2, 2, 2)),
    34: (False, (3, 4, 6, 3)),
    50: (True, (3, 4, 6, 3)),
    101: (True, (3, 4, 23, 3)),
    152: (True, (3, 8, 36, 3)),
}
#: What torchvision's ResNet has and rotation pretraining does not train.
CLASSIFIER_KEYS = ('fc.weight', 'fc.bias')


def resnet_depth(state: Dict[str, Tensor]) -> int:
    """The depth of torchvision's ResNet that has these backbone weights.

    Raises:
        CheckpointError: If they are not a torchvision-layout ResNet (other
            backbone, ``deep_stem``, ``avg_down``, other block counts).
    """
    if 'conv1.weight' not in state or 'layer1.0.conv1.weight' not in state:
        if any(k.startswith('stem.') for k in state):
            what = 'a deep-stem ResNet (stem.* keys)'
        else:
            prefixes = sorted({k.split('.')[0] for k in state})
            what = f'keys with prefixes {prefixes[:8]}'
        raise CheckpointError(
            'Not a torchvision-layout ResNet backbone (conv1, layer1..4): '
            f'found {what}.')
    if any('.downsample.2.' in k for k in state):
        raise CheckpointError(
            'An avg_down ResNet (downsample.1 is a conv): torchvision has no '
            'such layout.')
    blocks = []
    for stage in range(1, 5):
        ids = {
            int(k.split('.')[1])
            for k in state if k.startswith(f'layer{stage}.')
        }
        blocks.append(len(ids))
    bottleneck = 'layer1.0.conv3.weight' in state
    for depth, arch in TORCHVISION_RESNETS.items():
        if arch == (bottleneck, tuple(blocks)):
            return depth
    kind = 'bottleneck' if bottleneck else 'basic'
    raise CheckpointError(
        f'A ResNet with {blocks} {kind} blocks per stage: torchvision has no '
        f'such depth (it has {sorted(TORCHVISION_RESNETS)}).')


def torchvision_resnet_state_dict(
        state: Dict[str, Tensor]) -> Tuple[int, 'OrderedDict[str, Tensor]']:
    """The depth and the torchvision state dict (without ``fc.*``) of
    mmpretrain ResNet backbone weights.

    The names are the same; BN counters absent from older checkpoints are
    filled with 0 so that the result loads with ``strict=True`` into a
    torchvision ResNet whose ``fc`` is removed.
    """
    import torchvision
    depth = resnet_depth(state)
    reference = getattr(torchvision.models, f'resnet{depth}')().state_dict()
    out = OrderedDict()
    missing: List[str] = []
    for key, value in reference.items():
        if key in CLASSIFIER_KEYS:
            continue
        if key in state:
            if tuple(state[key].shape) != tuple(value.shape):
                raise CheckpointError(
                    f'{key} has shape {list(state[key].shape)} but '
                    f'torchvision resnet{depth} expects {list(value.shape)} '
                    '(a ResNet with other widths?).')
            out[key] = state[key].detach().clone()
        elif key.endswith('num_batches_tracked'):
            out[key] = torch.zeros_like(value)
        else:
            missing.append(key)
    unused = [k for k in state if k not in reference]
    if missing or unused:
        raise CheckpointError(
            f'The backbone does not map onto torchvision resnet{depth}: '
            f'{len(missing)} torchvision weights missing (e.g. '
            f'{missing[:3]}), {len(unused)} backbone weights unused (e.g. '
            f'{unused[:3]}).')
    return depth, out


def export_torchvision(src: str, dst: str) -> Dict[str, object]:
    """Write the ResNet backbone of ``src`` as a torchvision state dict.

    Args:
        src (str): A checkpoint of any format
            :func:`~mmselfsup_rot.utils.checkpoint_formats.\
load_pretrained_backbone` reads.
        dst (str): The output file (``torch.save`` of a plain state dict).

    Returns:
        dict: ``depth``, ``tensors`` (count written) and ``left_out`` (the
        torchvision keys not written: its classifier ``fc.*``).

    Raises:
        CheckpointError: If ``src`` has no torchvision-layout ResNet.
    """
    import torchvision
    depth, state = torchvision_resnet_state_dict(load_pretrained_backbone(src))
    # the promise of the export, checked on the real class
    model = getattr(torchvision.models, f'resnet{depth}')()
    result = model.load_state_dict(state, strict=False)
    if sorted(result.missing_keys) != sorted(CLASSIFIER_KEYS) or \
            result.unexpected_keys:
        raise CheckpointError(
            f'torchvision resnet{depth} did not take the export: missing '
            f'{result.missing_keys[:4]}, unexpected '
            f'{result.unexpected_keys[:4]}.')
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    tmp = f'{dst}.{os.getpid()}.tmp'
    torch.save(state, tmp)
    os.replace(tmp, dst)
    return dict(depth=depth, tensors=len(state), left_out=CLASSIFIER_KEYS)
