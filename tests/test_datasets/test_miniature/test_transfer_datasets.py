# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The VOC, COCO and Cityscapes miniatures are read by the real mmdet /
mmseg datasets, with the annotations the generators drew."""
import os.path as osp
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from mmselfsup_rot.datasets.miniature import (VOC_CLASSES, make_cityscapes,
                                              make_coco, make_voc)


def test_voc_layout_and_labels(tmp_path):
    devkit = make_voc(
        str(tmp_path),
        years=('2007', '2012'),
        images_per_split=3,
        size=(64, 48))
    voc07 = osp.join(devkit, 'VOC2007')
    main = osp.join(voc07, 'ImageSets', 'Main')
    ids = open(osp.join(main, 'trainval.txt')).read().split()
    assert ids == ['000001', '000002', '000003', '000004', '000005', '000006']
    assert len(open(osp.join(main, 'test.txt')).read().split()) == 3
    assert not osp.exists(
        osp.join(devkit, 'VOC2012', 'ImageSets', 'Main', 'test.txt'))
    # per-class labels agree with the XML: 1 present, 0 difficult only
    for image_id in ids:
        root = ET.parse(osp.join(voc07, 'Annotations',
                                 f'{image_id}.xml')).getroot()
        assert root.find('size/width').text == '64'
        objs = [(o.find('name').text, o.find('difficult').text == '1')
                for o in root.iter('object')]
        for cls in VOC_CLASSES:
            line = [
                ln.split()
                for ln in open(osp.join(main, f'{cls}_trainval.txt'))
                if ln.startswith(image_id)
            ][0]
            want = 1 if (cls, False) in objs else 0 if (cls, True) in objs \
                else -1
            assert int(line[1]) == want
    labels = Image.open(osp.join(voc07, 'SegmentationClass', '000001.png'))
    assert labels.mode == 'P' and labels.size == (64, 48)
    assert 255 in np.asarray(labels)  # void border
    aug = osp.join(devkit, 'VOC2012', 'ImageSets', 'Segmentation')
    assert len(open(osp.join(aug, 'aug.txt')).read().split()) == 3


def test_voc_rejects_unknown_year(tmp_path):
    with pytest.raises(ValueError, match='years must be'):
        make_voc(str(tmp_path), years=('2010', ))


def test_mmdet_and_mmseg_read_the_miniatures(tmp_path):
    from mmdet.datasets import CocoDataset, VOCDataset
    from mmseg.datasets import CityscapesDataset, PascalVOCDataset
    devkit = make_voc(
        str(tmp_path / 'voc'), years=('2007', '2012'), images_per_split=2)
    voc = VOCDataset(
        data_root=devkit + '/',
        ann_file='VOC2007/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        test_mode=True,
        pipeline=[])
    assert len(voc) == 2 and voc[0]['instances']
    seg = PascalVOCDataset(
        data_root=devkit + '/VOC2012',
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
        ann_file='ImageSets/Segmentation/aug.txt',
        pipeline=[])
    assert len(seg) == 2 and osp.isfile(seg[0]['seg_map_path'])
    coco_root = make_coco(str(tmp_path / 'coco'), num_train=2, num_val=2)
    coco = CocoDataset(
        data_root=coco_root + '/',
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        pipeline=[])
    assert len(coco) == 2
    assert len(coco[0]['instances'][0]['mask'][0]) == 16  # octagon
    city_root = make_cityscapes(str(tmp_path / 'city'), num_train=2, num_val=1)
    city = CityscapesDataset(
        data_root=city_root,
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=[])
    assert len(city) == 2
    train_ids = np.unique(np.asarray(Image.open(city[0]['seg_map_path'])))
    assert set(train_ids) <= {0, 1, 2, 8, 10, 11, 13, 255}
