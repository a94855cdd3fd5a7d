# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""PASCAL VOC devkit miniatures in the real on-disk layout.

``make_voc`` writes ``root/VOCdevkit/VOC<year>/`` with

- ``JPEGImages/<id>.jpg``;
- ``Annotations/<id>.xml``: real VOC XML (``size``, ``object`` with
  ``name``, ``pose``, ``truncated``, ``difficult`` and a 1-based
  ``bndbox``);
- ``ImageSets/Main/{train,val,trainval[,test]}.txt`` and the per-class
  ``<class>_<split>.txt`` files with ``1`` (present), ``-1`` (absent) and
  ``0`` (only difficult instances) labels;
- ``ImageSets/Segmentation/<split>.txt``, ``SegmentationClass/<id>.png``
  and ``SegmentationObject/<id>.png`` (palette PNGs, 255 on a void border);
- for VOC2012, the "aug" layout that mmseg's ``voc_aug.py`` converter
  produces from SBD: ``SegmentationClassAug/<id>.png`` (grey-level labels,
  no void border) for every image, extra images listed only in
  ``ImageSets/Segmentation/aug.txt``, and ``trainaug.txt``.

Objects are filled rectangles in a class-specific colour, so detectors and
segmentors have something learnable. VOC2007 has a ``test`` split (as after
unpacking VOCtest into the same devkit); VOC2012 has none, as in reality.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union
from xml.etree import ElementTree as ET

import numpy as np
from PIL import Image

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
               'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
               'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
               'tvmonitor')


def voc_palette() -> List[int]:
    """The 256-entry colour map of VOC's palette PNGs, flattened RGB."""
    palette = []
    for idx in range(256):
        r = g = b = 0
        c = idx
        for bit in range(8):
            r |= ((c >> 0) & 1) << (7 - bit)
            g |= ((c >> 1) & 1) << (7 - bit)
            b |= ((c >> 2) & 1) << (7 - bit)
            c >>= 3
        palette += [r, g, b]
    return palette


def _image_id(year: str, index: int) -> str:
    # VOC2007 numbers images '000005'; VOC2012 names them '2012_000005'.
    return f'{index:06d}' if year == '2007' else f'{year}_{index:06d}'


def _random_objects(rng: np.random.Generator, width: int, height: int,
                    first_class: int, num_classes: int,
                    with_difficult: bool) -> List[dict]:
    """One to two boxes (0-based, inclusive pixel coordinates)."""
    objects = []
    count = 1 + int(rng.integers(0, 2))
    for idx in range(count + int(with_difficult)):
        difficult = idx == count
        scale = 0.2 if difficult else 0.35
        bw = max(4, int(width * (scale + rng.uniform(0, 0.25))))
        bh = max(4, int(height * (scale + rng.uniform(0, 0.25))))
        x1 = int(rng.integers(0, width - bw + 1))
        y1 = int(rng.integers(0, height - bh + 1))
        label = first_class if idx == 0 else int(rng.integers(num_classes))
        objects.append(
            dict(
                label=label,
                box=(x1, y1, x1 + bw - 1, y1 + bh - 1),
                difficult=difficult,
                truncated=x1 == 0 or y1 == 0 or x1 + bw == width
                or y1 + bh == height))
    return objects


def _class_colour(label: int) -> np.ndarray:
    rng = np.random.default_rng(1000 + label)
    return rng.integers(30, 256, 3)


def _render(
    rng: np.random.Generator, width: int, height: int, objects: Sequence[dict],
    class_ids: Sequence[int]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Image, class mask with void border, instance mask, border-free
    class mask (the SBD-style ``SegmentationClassAug`` label)."""
    coarse = rng.integers(0, 100, (4, 4, 3), dtype=np.uint8)
    img = np.asarray(
        Image.fromarray(coarse).resize((width, height),
                                       Image.BILINEAR)).copy()
    cls_mask = np.zeros((height, width), np.uint8)
    inst_mask = np.zeros((height, width), np.uint8)
    for inst, obj in enumerate(objects, 1):
        x1, y1, x2, y2 = obj['box']
        colour = _class_colour(class_ids[obj['label']])
        noise = rng.integers(-20, 21, (y2 - y1 + 1, x2 - x1 + 1, 3))
        img[y1:y2 + 1, x1:x2 + 1] = np.clip(colour + noise, 0, 255)
        cls_mask[y1:y2 + 1, x1:x2 + 1] = class_ids[obj['label']] + 1
        inst_mask[y1:y2 + 1, x1:x2 + 1] = inst
    aug_mask = cls_mask.copy()
    # VOC marks a void (255) band along object outlines.
    void = np.zeros_like(cls_mask, dtype=bool)
    for obj in objects:
        x1, y1, x2, y2 = obj['box']
        void[y1, x1:x2 + 1] = void[y2, x1:x2 + 1] = True
        void[y1:y2 + 1, x1] = void[y1:y2 + 1, x2] = True
    cls_mask[void] = 255
    inst_mask[void] = 255
    return img, cls_mask, inst_mask, aug_mask


def _annotation_xml(year: str, image_id: str, width: int, height: int,
                    objects: Sequence[dict],
                    class_ids: Sequence[int]) -> ET.ElementTree:
    ann = ET.Element('annotation')
    ET.SubElement(ann, 'folder').text = f'VOC{year}'
    ET.SubElement(ann, 'filename').text = f'{image_id}.jpg'
    source = ET.SubElement(ann, 'source')
    ET.SubElement(source, 'database').text = 'The VOC Database (miniature)'
    size = ET.SubElement(ann, 'size')
    ET.SubElement(size, 'width').text = str(width)
    ET.SubElement(size, 'height').text = str(height)
    ET.SubElement(size, 'depth').text = '3'
    ET.SubElement(ann, 'segmented').text = '1'
    for obj in objects:
        node = ET.SubElement(ann, 'object')
        ET.SubElement(node, 'name').text = VOC_CLASSES[class_ids[obj['label']]]
        ET.SubElement(node, 'pose').text = 'Unspecified'
        ET.SubElement(node, 'truncated').text = str(int(obj['truncated']))
        ET.SubElement(node, 'difficult').text = str(int(obj['difficult']))
        box = ET.SubElement(node, 'bndbox')
        # VOC boxes are 1-based and inclusive.
        for name, value in zip(('xmin', 'ymin', 'xmax', 'ymax'), obj['box']):
            ET.SubElement(box, name).text = str(value + 1)
    ET.indent(ann)
    return ET.ElementTree(ann)


def _write_list(path: str, lines: Sequence[str]) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.writelines(f'{line}\n' for line in lines)


def _write_year(devkit: str, year: str, splits: Dict[str, int], num_aug: int,
                size: Tuple[int, int], class_ids: Sequence[int], seed: int,
                with_segmentation: bool) -> None:
    rng = np.random.default_rng(seed)
    base = osp.join(devkit, f'VOC{year}')
    dirs = ['JPEGImages', 'Annotations']
    if with_segmentation:
        dirs += ['SegmentationClass', 'SegmentationObject']
        if year == '2012':
            dirs.append('SegmentationClassAug')
    for name in dirs:
        os.makedirs(osp.join(base, name), exist_ok=True)
    palette = voc_palette()
    width, height = size
    ids: Dict[str, List[str]] = {}
    labels: Dict[str, Dict[str, int]] = {}  # image id -> class -> 1/0/-1
    next_index = 1
    all_splits = dict(splits)
    if with_segmentation and year == '2012' and num_aug:
        all_splits['aug'] = num_aug
    for split, count in all_splits.items():
        ids[split] = []
        for pos in range(count):
            image_id = _image_id(year, next_index)
            next_index += 1
            ids[split].append(image_id)
            objects = _random_objects(
                rng,
                width,
                height,
                pos % len(class_ids),
                len(class_ids),
                with_difficult=pos % 3 == 2)
            img, cls_mask, inst_mask, aug_mask = _render(
                rng, width, height, objects, class_ids)
            Image.fromarray(img).save(
                osp.join(base, 'JPEGImages', f'{image_id}.jpg'), quality=95)
            _annotation_xml(year, image_id, width, height, objects,
                            class_ids).write(
                                osp.join(base, 'Annotations',
                                         f'{image_id}.xml'))
            present = {}
            for obj in objects:
                cls = VOC_CLASSES[class_ids[obj['label']]]
                present[cls] = max(
                    present.get(cls, 0), 0 if obj['difficult'] else 1)
            labels[image_id] = {
                cls: present.get(cls, -1)
                for cls in VOC_CLASSES
            }
            if not with_segmentation:
                continue
            if split != 'aug':
                for name, mask in (('SegmentationClass', cls_mask),
                                   ('SegmentationObject', inst_mask)):
                    png = Image.fromarray(mask, mode='P')
                    png.putpalette(palette)
                    png.save(osp.join(base, name, f'{image_id}.png'))
            if year == '2012':
                Image.fromarray(
                    aug_mask, mode='L').save(
                        osp.join(base, 'SegmentationClassAug',
                                 f'{image_id}.png'))
    main_sets = {split: ids[split] for split in splits}
    main_sets['trainval'] = ids['train'] + ids['val']
    for split, split_ids in main_sets.items():
        main = osp.join(base, 'ImageSets', 'Main')
        _write_list(osp.join(main, f'{split}.txt'), split_ids)
        for cls in VOC_CLASSES:
            _write_list(
                osp.join(main, f'{cls}_{split}.txt'),
                [f'{i} {labels[i][cls]:2d}' for i in split_ids])
        if with_segmentation:
            _write_list(
                osp.join(base, 'ImageSets', 'Segmentation', f'{split}.txt'),
                split_ids)
    if with_segmentation and year == '2012':
        seg = osp.join(base, 'ImageSets', 'Segmentation')
        _write_list(osp.join(seg, 'aug.txt'), ids.get('aug', []))
        _write_list(
            osp.join(seg, 'trainaug.txt'), ids['train'] + ids.get('aug', []))


def make_voc(root: str,
             years: Sequence[str] = ('2007', ),
             images_per_split: int = 4,
             size: Union[int, Tuple[int, int]] = 64,
             classes: Optional[Sequence[str]] = None,
             with_segmentation: bool = True,
             num_aug: Optional[int] = None,
             seed: int = 0) -> str:
    """Write a VOC devkit miniature and return the ``VOCdevkit`` path.

    Args:
        root (str): Directory in which ``VOCdevkit`` is created.
        years (Sequence[str]): Any of ``'2007'`` and ``'2012'``.
        images_per_split (int): Images in each of ``train``, ``val`` and
            (VOC2007 only) ``test``. ``trainval`` is train + val.
        size (int | tuple): Image size, ``S`` or ``(width, height)``.
        classes (Sequence[str], optional): VOC class names the objects are
            drawn from; the first object of the k-th image of a split is
            class ``k % len(classes)``, so each class occurs in every split
            once ``images_per_split >= len(classes)``. Defaults to all 20.
            Per-class files are written for all 20 classes regardless.
        with_segmentation (bool): Also write the segmentation parts.
        num_aug (int, optional): VOC2012 images listed only in ``aug.txt``
            (SBD extras). Defaults to ``images_per_split``.
        seed (int): Random seed.

    Returns:
        str: ``root/VOCdevkit``.
    """
    unknown = set(years) - {'2007', '2012'}
    if unknown:
        raise ValueError(f'make_voc: years must be "2007" or "2012", got '
                         f'{sorted(unknown)}')
    classes = list(classes or VOC_CLASSES)
    bad = [c for c in classes if c not in VOC_CLASSES]
    if bad:
        raise ValueError(f'make_voc: {bad} are not VOC classes; expected '
                         f'names from {VOC_CLASSES}')
    if images_per_split < 1:
        raise ValueError('make_voc: images_per_split must be >= 1, got '
                         f'{images_per_split}')
    if isinstance(size, int):
        size = (size, size)
    class_ids = [VOC_CLASSES.index(c) for c in classes]
    devkit = osp.join(root, 'VOCdevkit')
    for offset, year in enumerate(years):
        splits = dict(train=images_per_split, val=images_per_split)
        if year == '2007':
            splits['test'] = images_per_split
        _write_year(
            devkit,
            year,
            splits,
            images_per_split if num_aug is None else num_aug,
            tuple(size),
            class_ids,
            seed=seed + offset,
            with_segmentation=with_segmentation)
    return devkit
