# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""``make_imagenet(noise=...)``: textured JPEGs of photograph-like size
(the GPU check's loader benchmark reads them), the default unchanged."""
import os
import os.path as osp

import numpy as np
from PIL import Image

from mmselfsup_rot.datasets.miniature import make_imagenet


def _files(root):
    return sorted(
        osp.join(d, f) for d, _, fs in os.walk(osp.join(root, 'train'))
        for f in fs)


def test_noise_textures_the_images(tmp_path):
    kwargs = dict(num_classes=2, train_per_class=2, val_per_class=1, size=96)
    smooth = make_imagenet(str(tmp_path / 'smooth'), **kwargs)
    again = make_imagenet(str(tmp_path / 'again'), noise=0.0, **kwargs)
    noisy = make_imagenet(str(tmp_path / 'noisy'), noise=24.0, **kwargs)
    for a, b in zip(_files(smooth), _files(again)):
        assert open(a, 'rb').read() == open(b, 'rb').read()
    rel = [osp.relpath(f, smooth) for f in _files(smooth)]
    assert rel == [osp.relpath(f, noisy) for f in _files(noisy)]
    for a, b in zip(_files(smooth), _files(noisy)):
        assert osp.getsize(b) > 3 * osp.getsize(a)
        x = np.asarray(Image.open(a), dtype=float)
        y = np.asarray(Image.open(b), dtype=float)
        # the same field underneath, the bright orientation corner kept
        assert 10 < np.abs(x - y).mean() < 30
        assert y[:24, :24].mean() > 200
    with open(osp.join(noisy, 'meta', 'train.txt')) as f:
        assert len(f.readlines()) == 4
