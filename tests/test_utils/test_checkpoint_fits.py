# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from mmselfsup_rot.utils.checkpoint import (CheckpointError,
                                            check_checkpoint_fits)
from tests.conftest import REPO


def test_a_checkpoint_without_online_probe_weights_fits(tmp_path):
    """A converted or older checkpoint has no online-probe weights: the
    probe starts afresh; any other missing weight is still refused."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs',
                 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10.py'))
    model = MODELS.build(cfg.model)
    assert model.online_probe is not None
    state = {
        k: v
        for k, v in model.state_dict().items()
        if not k.startswith('online_probe.')
    }
    path = str(tmp_path / 'no_probe.pth')
    torch.save({'state_dict': state}, path)
    check_checkpoint_fits(model, path)
    state.pop(next(k for k in state if k.startswith('backbone.')))
    torch.save({'state_dict': state}, path)
    with pytest.raises(CheckpointError, match='missing'):
        check_checkpoint_fits(model, path)
