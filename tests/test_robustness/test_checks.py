# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Missing or malformed datasets are reported in one line before any model
is built."""
import os
import os.path as osp

import pytest
from mmengine.config import Config
from PIL import Image

from mmselfsup_rot.datasets.checks import (DatasetError, check_dataset_cfg,
                                           check_datasets,
                                           check_pipeline_crops)
from mmselfsup_rot.datasets.miniature import make_imagenet


@pytest.fixture(scope='module')
def imagenet(tmp_path_factory):
    return make_imagenet(str(tmp_path_factory.mktemp('in')), size=16)


def _imagenet_cfg(root, **kwargs):
    return dict(type='ImageNet', data_root=root, split='train', **kwargs)


def test_good_imagenet_passes(imagenet):
    check_dataset_cfg(_imagenet_cfg(imagenet))
    check_datasets(
        Config(
            dict(
                train_dataloader=dict(
                    dataset=dict(
                        type='RepeatDataset',
                        times=2,
                        dataset=_imagenet_cfg(imagenet))),
                val_dataloader=None)))


def test_relative_data_root_as_the_configs_give_it(imagenet, monkeypatch):
    """The configs name data/imagenet/ relative to the working folder;
    meta/<split>.txt is found below it, once."""
    monkeypatch.chdir(osp.dirname(imagenet))
    root = osp.basename(imagenet) + '/'
    for split in ('train', 'val'):
        check_dataset_cfg(dict(type='ImageNet', data_root=root, split=split))
    os.rename(osp.join(imagenet, 'val'), osp.join(imagenet, 'val_moved'))
    try:
        with pytest.raises(DatasetError, match=rf'^{root}meta/val.txt names'):
            check_dataset_cfg(
                dict(type='ImageNet', data_root=root, split='val'))
    finally:
        os.rename(osp.join(imagenet, 'val_moved'), osp.join(imagenet, 'val'))


def test_missing_data_root(tmp_path):
    with pytest.raises(
            DatasetError,
            match=r'^train.data_root: folder '
            f'{tmp_path}/x does not exist'):
        check_dataset_cfg(_imagenet_cfg(str(tmp_path / 'x')), 'train')


def test_empty_folder(tmp_path):
    (tmp_path / 'train' / 'n0').mkdir(parents=True)
    with pytest.raises(
            DatasetError,
            match='no images .* found under '
            f'{tmp_path}/train; expected <class>/<image>'):
        check_dataset_cfg(_imagenet_cfg(str(tmp_path)))


def test_annotation_file_naming_absent_images(imagenet, tmp_path):
    ann = tmp_path / 'train.txt'
    cfg = dict(
        type='CustomDataset',
        data_root=imagenet,
        data_prefix='train',
        ann_file=str(ann))
    files = sorted(os.listdir(osp.join(imagenet, 'train', 'n00000000')))
    ann.write_text(f'n00000000/{files[0]} 0\nn00000000/gone.JPEG 0\n')
    with pytest.raises(
            DatasetError,
            match=f'{ann} names 1 image.* do not '
            "exist under .*, e.g. 'n00000000/gone.JPEG'"):
        check_dataset_cfg(cfg)
    with pytest.raises(DatasetError, match='annotation file .* not exist'):
        check_dataset_cfg(dict(cfg, ann_file=str(tmp_path / 'none.txt')))


def _voc(root, objects):
    for sub in ('Annotations', 'JPEGImages', 'ImageSets/Main'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    with open(osp.join(root, 'ImageSets/Main/trainval.txt'), 'w') as f:
        f.write('000001\n')
    open(osp.join(root, 'JPEGImages/000001.jpg'), 'wb').close()
    obj = ('<object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin>'
           '<xmax>5</xmax><ymax>5</ymax></bndbox></object>') * objects
    with open(osp.join(root, 'Annotations/000001.xml'), 'w') as f:
        f.write(f'<annotation><filename>000001.jpg</filename>{obj}'
                '</annotation>')
    return dict(
        type='VOCDataset',
        data_root=root,
        ann_file='ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root=''))


def test_voc_xml_without_objects(tmp_path):
    check_dataset_cfg(_voc(str(tmp_path / 'ok'), objects=1))
    cfg = _voc(str(tmp_path / 'empty'), objects=0)
    with pytest.raises(
            DatasetError,
            match=r'000001.xml has no <object>: '
            'every image listed in .*trainval.txt needs at least'):
        check_dataset_cfg(cfg)


def test_crop_larger_than_the_resized_image_is_refused():
    ok = [
        dict(type='RandomResizedCrop', scale=64),
        dict(type='CenterCrop', crop_size=56)
    ]
    check_pipeline_crops(ok)
    with pytest.raises(
            DatasetError, match=r'crop_size 96 is larger than '
            r'the 64 px image'):
        check_pipeline_crops([
            dict(type='ResizeEdge', scale=64),
            dict(type='CenterCrop', crop_size=96)
        ])
    # padding makes a larger crop possible
    check_pipeline_crops([
        dict(type='Resize', scale=(32, 32)),
        dict(type='RandomCrop', crop_size=36, padding=4)
    ])
    with pytest.raises(DatasetError, match='crop_ratio_range'):
        check_pipeline_crops([
            dict(
                type='RandomResizedCrop',
                scale=32,
                crop_ratio_range=(0.2, 1.5))
        ])


def test_cifar10_may_be_downloaded_into_a_missing_root(tmp_path):
    """mmpretrain downloads CIFAR-10 into a missing data_root when
    download=True (its default): the check lets it; without download the
    missing folder is one line saying where the files come from."""
    missing = str(tmp_path / 'cifar10')
    check_dataset_cfg(dict(type='CIFAR10', data_root=missing, split='train'))
    with pytest.raises(
            DatasetError,
            match=rf'^x.data_root: folder {missing} does not exist and '
            r'download=False; put the CIFAR10 files there \(https://www.cs.'
            r'toronto.edu/~kriz/cifar.html\) or set download=True.$'):
        check_dataset_cfg(
            dict(type='CIFAR10', data_root=missing, download=False), 'x')
    # the crops are still checked
    with pytest.raises(DatasetError, match='crop_ratio_range'):
        check_dataset_cfg(
            dict(
                type='CIFAR10',
                data_root=missing,
                pipeline=[
                    dict(
                        type='RandomResizedCrop',
                        scale=32,
                        crop_ratio_range=(0.5, 2.0))
                ]))


def test_segmentation_label_maps_must_exist(tmp_path):
    """mmseg datasets: the suffix of the config, or the one the dataset
    class sets (Cityscapes' labelTrainIds maps, made by a converter)."""
    root = tmp_path / 'cityscapes'
    for sub in ('leftImg8bit/train/aachen', 'gtFine/train/aachen'):
        (root / sub).mkdir(parents=True)
    Image.new('RGB', (4, 4)).save(
        root / 'leftImg8bit/train/aachen/a_000000_000019_leftImg8bit.png')
    Image.new('L', (4, 4)).save(
        root / 'gtFine/train/aachen/a_000000_000019_gtFine_labelIds.png')
    cfg = dict(
        type='CityscapesDataset',
        data_root=str(root),
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'))
    with pytest.raises(
            DatasetError,
            match=r'^c: no \*_gtFine_labelTrainIds.png label maps under '
            f'{root}/gtFine/train' + r' \(data_prefix.seg_map_path\); build '
            'them as docs/dataset_prepare.md says.$'):
        check_dataset_cfg(cfg, 'c')
    Image.new('L', (4, 4)).save(
        root / 'gtFine/train/aachen/a_000000_000019_gtFine_labelTrainIds.png')
    check_dataset_cfg(cfg, 'c')
    # a suffix set in the config wins
    with pytest.raises(DatasetError, match=r'no \*_other.png label maps'):
        check_dataset_cfg(dict(cfg, seg_map_suffix='_other.png'), 'c')
