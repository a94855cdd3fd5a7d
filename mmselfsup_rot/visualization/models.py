# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Build a model for analysis from a config and a checkpoint."""
from typing import Optional

import torch
from mmengine.config import Config

from mmselfsup_rot.utils.checkpoint import (OPTIONAL_PREFIXES, get_state_dict,
                                            load_checkpoint_file,
                                            load_state_dict_checked)


def build_model(config: str,
                checkpoint: Optional[str],
                cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """The config's model in eval mode on the CPU, with the checkpoint's
    weights loaded only if they fit (one-line error otherwise).

    SyncBN becomes BN so that the model runs without a process group. The
    online probes are left out: they watch pretraining, and the stages
    they probe would be added to the backbone's outputs.
    """
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import mmselfsup_rot  # noqa: F401  (registers our modules)
    from mmselfsup_rot.utils.launch import replace_sync_bn
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    replace_sync_bn(cfg.model)
    cfg.model.pop('online_probe', None)
    model = MODELS.build(cfg.model)
    if checkpoint:
        state = {
            k: v
            for k, v in get_state_dict(load_checkpoint_file(
                checkpoint)).items() if not k.startswith(OPTIONAL_PREFIXES)
        }
        load_state_dict_checked(
            model,
            state,
            checkpoint,
            allow_missing=('num_batches_tracked', 'data_preprocessor.'))
    return model.eval()
