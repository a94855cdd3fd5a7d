# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import torch
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401


def test_flatten_keeps_order_of_elements():
    neck = MODELS.build(dict(type='FlattenNeck'))
    x = torch.arange(2 * 3 * 2 * 2, dtype=torch.float).view(2, 3, 2, 2)
    (out, ) = neck((x, ))
    assert torch.equal(out, x.reshape(2, 12))
    assert torch.equal(neck(x), x.reshape(2, 12))
