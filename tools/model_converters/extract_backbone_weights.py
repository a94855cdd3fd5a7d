# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Extract the backbone weights of a full ``RotationPred`` checkpoint for
downstream use.

The output ``{'state_dict': backbone weights, 'meta': ...}`` loads without
a prefix, e.g. ``init_cfg=dict(type='Pretrained', checkpoint=OUT)`` in
mmpretrain, mmdet or mmseg configs (a full checkpoint works as well with
``prefix='backbone.'``).

Example:
    python tools/model_converters/extract_backbone_weights.py \
        work_dirs/<config>/epoch_200.pth rotnet_nin4b_backbone.pth
"""
import argparse
from typing import Dict

import torch

from mmselfsup_rot.utils.checkpoint import (CheckpointError,
                                            backbone_state_dict,
                                            get_state_dict,
                                            load_checkpoint_file)


def extract(checkpoint: dict, source: str = '') -> Dict[str, torch.Tensor]:
    """Backbone weights (without ``backbone.``) of a full model checkpoint.

    Raises:
        CheckpointError: If the checkpoint has no ``backbone.`` weights
            (e.g. an official RotNet or an already extracted checkpoint).
    """
    state = get_state_dict(checkpoint)
    keys = [
        k[len('module.'):] if k.startswith('module.') else k for k in state
    ]
    if not any(k.startswith('backbone.') for k in keys):
        if 'network' in checkpoint:
            found = ('an official RotNet checkpoint ("network"); convert it '
                     'with rotnet_official_to_mmselfsup_rot.py first')
        else:
            prefixes = sorted({k.split('.')[0] for k in keys})
            found = (f'keys with prefixes {prefixes[:8]} (already '
                     'backbone-only weights?)')
        raise CheckpointError(
            f'{source or "The checkpoint"} has no "backbone." weights: '
            f'found {found}.')
    return dict(backbone_state_dict(checkpoint, source=source))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='full RotationPred checkpoint')
    parser.add_argument('dst', help='output backbone weights')
    args = parser.parse_args()
    checkpoint = load_checkpoint_file(args.src)
    state = extract(checkpoint, args.src)
    meta = dict(checkpoint.get('meta') or {})
    meta = dict(
        extracted_from=args.src,
        **{
            k: v
            for k, v in meta.items() if isinstance(v, (str, int, float))
        })
    torch.save({'state_dict': state, 'meta': meta}, args.dst)
    print(f'Saved {len(state)} backbone tensors to {args.dst}')


if __name__ == '__main__':
    main()
