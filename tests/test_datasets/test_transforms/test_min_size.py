# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The smallest image a pipeline can crop, the loader's min_size policies
and the collate check of image sizes."""
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, default_collate
from mmpretrain.structures import DataSample
from PIL import Image

from mmselfsup_rot.datasets.collate import SizeCheckedCollate, size_mismatch
from mmselfsup_rot.datasets.transforms.loading import (BadImageError,
                                                       RobustLoadImageFromFile)
from mmselfsup_rot.datasets.transforms.min_size import (pipeline_min_size,
                                                        resolve_min_sizes)


def _need(*transforms):
    return pipeline_min_size(Compose(list(transforms)).transforms)[0]


@pytest.mark.parametrize('transforms,expected', [
    ([dict(type='RandomCrop', crop_size=32, padding=2)], (28, 28)),
    ([dict(type='RandomCrop', crop_size=(32, 24), padding=(1, 2))], (28, 22)),
    ([dict(type='RandomCrop', crop_size=32, padding=(1, 2, 3, 4))], (26, 28)),
    ([dict(type='RandomCrop', crop_size=32, pad_if_needed=True)], None),
    ([
        dict(type='RandomFlip', prob=0.5),
        dict(type='CenterCrop', crop_size=(24, 16))
    ], (16, 24)),
    ([dict(type='CenterCrop', crop_size=24, auto_pad=True)], None),
    ([dict(type='RandomResizedCrop', scale=224)], None),
    ([
        dict(type='ResizeEdge', scale=256),
        dict(type='CenterCrop', crop_size=224)
    ], None),
    ([dict(type='ProjectiveTransformSampler'),
      dict(type='PackInputs')], (2, 2)),
    ([dict(type='PackInputs')], None),
])
def test_pipeline_min_size(transforms, expected):
    assert _need(*transforms) == expected


def test_resolve_sets_only_auto_loaders():
    pipeline = Compose([
        dict(type='RobustLoadImageFromFile'),
        dict(type='RandomCrop', crop_size=32, padding=4),
    ])
    resolve_min_sizes(pipeline)
    loader = pipeline.transforms[0]
    assert loader.min_size == (24, 24)
    assert 'RandomCrop(crop_size=(32, 32), padding=4' in loader.min_size_source
    fixed = Compose([
        dict(type='RobustLoadImageFromFile', min_size=None),
        dict(type='RandomCrop', crop_size=32),
    ])
    assert resolve_min_sizes(fixed) == []
    assert fixed.transforms[0].min_size is None


@pytest.fixture
def tiny_png(tmp_path):
    path = tmp_path / 'tiny.png'
    Image.fromarray(np.full((3, 5, 3), 200, np.uint8)).save(path)
    return str(path)


def test_policies(tiny_png, tmp_path):
    log = tmp_path / 'bad.txt'
    skip = RobustLoadImageFromFile(min_size=8, bad_image_log=str(log))
    with pytest.warns(
            UserWarning,
            match='Unusable image .*tiny.png: too '
            'small: 3x5 px, the pipeline needs at least 8x8'):
        assert skip(dict(img_path=tiny_png)) is None
    assert log.read_text().startswith(f'{tiny_png}\ttoo small: 3x5 px')
    strict = RobustLoadImageFromFile(min_size=(8, 4), skip_bad=False)
    with pytest.raises(BadImageError, match='too small: 3x5 px'):
        strict(dict(img_path=tiny_png))
    pad = RobustLoadImageFromFile(
        min_size=(8, 4), min_size_policy='pad', pad_val=7)
    img = pad(dict(img_path=tiny_png))['img']
    assert img.shape == (8, 5, 3)
    assert (img[:2] == 7).all() and (img[2:5] == 200).all()
    resize = RobustLoadImageFromFile(min_size=8, min_size_policy='resize')
    results = resize(dict(img_path=tiny_png))
    assert results['img'].shape == (8, 14, 3)  # aspect ratio kept
    assert results['img_shape'] == (8, 14)
    with pytest.raises(ValueError, match='min_size_policy'):
        RobustLoadImageFromFile(min_size_policy='crop')


def _sample(size, path):
    data_sample = DataSample(metainfo=dict(img_path=path))
    return dict(inputs=torch.zeros(3, *size), data_samples=data_sample)


def test_collate_names_the_odd_files():
    batch = [_sample((32, 32), f'{i}.png') for i in range(3)]
    collate = SizeCheckedCollate(default_collate)
    assert collate(batch)['inputs'].shape == (3, 3, 32, 32)
    batch.append(_sample((3, 3), 'tiny.png'))
    with pytest.raises(BadImageError) as err:
        collate(batch)
    assert str(err.value).startswith(
        'Images of different sizes in one batch: tiny.png is 3x3, the '
        'others 32x32.')
    assert size_mismatch(batch[:3]) is None


def test_worker_traceback_is_reduced_to_the_message():
    """torch re-raises a worker's error as ``type(err)(traceback text)``."""
    text = ('Caught BadImageError in DataLoader worker process 1.\n'
            'Original Traceback (most recent call last):\n'
            '  File "x.py", line 1, in f\n'
            'mmselfsup_rot.datasets.transforms.loading.BadImageError: '
            'Unreadable image a.png: empty file (0 bytes)\n')
    assert str(BadImageError(text)) == ('Unreadable image a.png: empty file '
                                        '(0 bytes)')
    assert str(BadImageError('plain: message')) == 'plain: message'
