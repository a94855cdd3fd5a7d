# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Fault injection for the image loader: odd formats are converted, bad
files are skipped with a warning, counted across dataloader workers."""
import io
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope
from mmpretrain.datasets import CustomDataset
from PIL import Image
from torch.utils.data import DataLoader

import mmselfsup_rot  # noqa: F401  (registers the transforms)
from mmselfsup_rot.datasets.transforms.loading import (BadImageError,
                                                       RobustLoadImageFromFile)


@pytest.fixture(autouse=True)
def _mmpretrain_scope():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


def _solid(size=(6, 4), rgb=(200, 100, 50)):
    return Image.new('RGB', size, rgb)


def _write_formats(folder):
    """One file per odd-but-valid format, with its expected BGR pixel."""
    files = {}
    img = _solid()
    img.save(osp.join(folder, 'rgb.png'))
    files['rgb.png'] = (50, 100, 200)
    img.convert('L').save(osp.join(folder, 'grey.jpg'), quality=100)
    grey = int(np.asarray(img.convert('L'))[0, 0])
    files['grey.jpg'] = (grey, grey, grey)
    img.convert('CMYK').save(osp.join(folder, 'cmyk.jpg'), quality=100)
    files['cmyk.jpg'] = (50, 100, 200)
    Image.fromarray(np.full((4, 6), 65535 // 2,
                            np.uint16)).save(osp.join(folder, 'grey16.png'))
    files['grey16.png'] = (128, 128, 128)
    img.convert(
        'P', palette=Image.ADAPTIVE).save(osp.join(folder, 'palette.png'))
    files['palette.png'] = (50, 100, 200)
    rgba = img.convert('RGBA')
    rgba.putalpha(0)
    rgba.save(osp.join(folder, 'rgba.png'))
    files['rgba.png'] = (50, 100, 200)
    img.convert('LA').save(osp.join(folder, 'grey_alpha.png'))
    files['grey_alpha.png'] = (grey, grey, grey)
    # 16 bits per channel colour (PIL cannot write it; OpenCV writes BGR)
    bgr16 = np.empty((4, 6, 3), np.uint16)
    bgr16[:] = np.array([50, 100, 200], np.uint16) * 257
    assert cv2.imwrite(osp.join(folder, 'rgb16.png'), bgr16)
    files['rgb16.png'] = (50, 100, 200)
    return files


def test_odd_formats_become_three_channel_bgr(tmp_path):
    load = RobustLoadImageFromFile()
    for name, bgr in _write_formats(str(tmp_path)).items():
        out = load(dict(img_path=str(tmp_path / name)))
        assert out['img'].shape == (4, 6, 3), name
        assert out['img'].dtype == np.uint8, name
        # JPEG round trips are off by a few levels
        np.testing.assert_allclose(
            out['img'][1, 2].astype(int), bgr, atol=3, err_msg=name)
        assert out['img_shape'] == (4, 6)


def test_to_float32_grayscale_and_rgb_order(tmp_path):
    _solid().save(tmp_path / 'a.png')
    path = str(tmp_path / 'a.png')
    out = RobustLoadImageFromFile(to_float32=True)(dict(img_path=path))
    assert out['img'].dtype == np.float32
    out = RobustLoadImageFromFile(color_type='grayscale')(dict(img_path=path))
    assert out['img'].shape == (4, 6)
    out = RobustLoadImageFromFile(channel_order='rgb')(dict(img_path=path))
    assert tuple(out['img'][0, 0]) == (200, 100, 50)
    with pytest.raises(ValueError, match='color_type'):
        RobustLoadImageFromFile(color_type='unchanged')


def _write_bad(folder):
    buf = io.BytesIO()
    _solid((64, 64)).save(buf, 'JPEG')
    data = buf.getvalue()
    bad = {
        'truncated.jpg': data[:len(data) // 2],
        'zero.jpg': b'',
        'corrupt.jpg': b'\xff\xd8\xff not really a jpeg' * 10,
        'text.png': b'hello world',
    }
    for name, content in bad.items():
        with open(osp.join(folder, name), 'wb') as f:
            f.write(content)
    return sorted(bad) + ['missing.jpg']


def test_bad_files_warn_return_none_and_are_logged(tmp_path):
    log = str(tmp_path / 'bad.txt')
    load = RobustLoadImageFromFile(bad_image_log=log)
    names = _write_bad(str(tmp_path))
    for name in names:
        path = str(tmp_path / name)
        with pytest.warns(UserWarning, match=f'Unreadable image {path}'):
            assert load(dict(img_path=path)) is None
    assert load.num_bad == len(names)
    with open(log) as f:
        logged = [line.split('\t')[0] for line in f.read().splitlines()]
    assert logged == [str(tmp_path / n) for n in names]


def test_bad_file_raises_one_line_when_not_skipping(tmp_path):
    _write_bad(str(tmp_path))
    load = RobustLoadImageFromFile(skip_bad=False)
    with pytest.raises(
            BadImageError, match='(?i)truncated.jpg: OSError: truncated'):
        load(dict(img_path=str(tmp_path / 'truncated.jpg')))
    with pytest.raises(BadImageError, match=r'zero.jpg: empty file'):
        load(dict(img_path=str(tmp_path / 'zero.jpg')))


@pytest.mark.parametrize('size', [(3, 2), (400, 4), (4, 400), (1, 1)])
def test_tiny_and_extreme_aspect_images_through_random_resized_crop(
        tmp_path, size):
    _solid(size).save(tmp_path / 'x.png')
    pipeline = Compose([
        dict(type='RobustLoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=32, backend='pillow'),
        dict(type='PackInputs'),
    ])
    for _ in range(5):
        out = pipeline(dict(img_path=str(tmp_path / 'x.png')))
        assert out['inputs'].shape == (3, 32, 32)


def _dataset(root, log=None):
    return CustomDataset(
        data_root=str(root),
        data_prefix='',
        with_label=False,
        pipeline=[
            dict(type='RobustLoadImageFromFile', bad_image_log=log),
            dict(type='RandomResizedCrop', scale=16, backend='pillow'),
            dict(type='PackInputs'),
        ])


def test_dataset_skips_bad_files_counted_across_workers(tmp_path):
    root = tmp_path / 'data'
    root.mkdir()
    for i in range(10):
        _solid((20, 30), (i * 20, 0, 0)).save(root / f'good_{i}.png')
    bad = [n for n in _write_bad(str(root)) if n != 'missing.jpg']
    log = str(tmp_path / 'bad.txt')
    dataset = _dataset(root, log)
    assert len(dataset) == 14
    loader = DataLoader(
        dataset, batch_size=7, num_workers=2, collate_fn=pseudo_collate)
    batches = list(loader)  # the workers print their own warnings
    images = [x for b in batches for x in b['inputs']]
    assert len(images) == 14  # bad samples replaced by good ones
    assert all(torch.is_tensor(x) and x.shape == (3, 16, 16) for x in images)
    with open(log) as f:
        logged = {line.split('\t')[0] for line in f.read().splitlines()}
    # every bad file was met at least once (by its own index), in either
    # worker process, and nothing else was logged
    assert logged == {str(root / n) for n in bad}
