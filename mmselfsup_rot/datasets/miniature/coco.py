# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""COCO 2017 miniatures: ``root/{train2017,val2017}/<id>.jpg`` and
``root/annotations/instances_{train2017,val2017}.json`` with the 80 real
categories (real ids 1..90 with gaps), boxes ``[x, y, w, h]`` and polygon
masks, the files mmdet's ``CocoDataset`` and ``CocoMetric`` read."""
import json
import os
import os.path as osp
from typing import List, Sequence

import numpy as np
from PIL import Image, ImageDraw

COCO_CLASSES = ('person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus',
                'train', 'truck', 'boat', 'traffic light', 'fire hydrant',
                'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog',
                'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
                'giraffe', 'backpack', 'umbrella', 'handbag', 'tie',
                'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball',
                'kite', 'baseball bat', 'baseball glove', 'skateboard',
                'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup',
                'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
                'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza',
                'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
                'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
                'keyboard', 'cell phone', 'microwave', 'oven', 'toaster',
                'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
                'teddy bear', 'hair drier', 'toothbrush')
# COCO numbers its 80 categories 1..90, leaving these ids unused.
_UNUSED_IDS = (12, 26, 29, 30, 45, 66, 68, 69, 71, 83)
COCO_CATEGORY_IDS = tuple(i for i in range(1, 91) if i not in _UNUSED_IDS)


def _polygon(rng: np.random.Generator, width: int, height: int) -> List[float]:
    """A convex octagon-like polygon inside the image, flat x,y list."""
    rx = width * rng.uniform(0.18, 0.3)
    ry = height * rng.uniform(0.18, 0.3)
    cx = rng.uniform(rx, width - rx)
    cy = rng.uniform(ry, height - ry)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    xs = np.clip(cx + rx * np.cos(angles), 0, width - 1)
    ys = np.clip(cy + ry * np.sin(angles), 0, height - 1)
    return [round(float(v), 2) for xy in zip(xs, ys) for v in xy]


def _area(poly: Sequence[float]) -> float:
    xs, ys = np.asarray(poly[0::2]), np.asarray(poly[1::2])
    return float(0.5 *
                 abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))))


def make_coco(root: str,
              num_train: int = 4,
              num_val: int = 2,
              size: int = 64,
              num_classes: int = 3,
              seed: int = 0) -> str:
    """Write a COCO 2017 instance-segmentation miniature; return ``root``.

    Args:
        root (str): Output directory.
        num_train (int): Images in ``train2017``.
        num_val (int): Images in ``val2017``.
        size (int): Image width; height is ``3 / 4`` of it.
        num_classes (int): Objects use the first ``num_classes``
            categories (all 80 are listed in the JSON).
        seed (int): Random seed.

    Returns:
        str: ``root``.
    """
    if not 1 <= num_classes <= len(COCO_CLASSES):
        raise ValueError('make_coco: num_classes must be in 1..80, got '
                         f'{num_classes}')
    if num_train < 1 or num_val < 1:
        raise ValueError('make_coco: num_train and num_val must be >= 1')
    rng = np.random.default_rng(seed)
    width, height = size, size * 3 // 4
    categories = [
        dict(id=cid, name=name, supercategory='object')
        for cid, name in zip(COCO_CATEGORY_IDS, COCO_CLASSES)
    ]
    colours = np.random.default_rng(7).integers(60, 256, (num_classes, 3))
    image_id = ann_id = 1
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    for split, count in (('train2017', num_train), ('val2017', num_val)):
        os.makedirs(osp.join(root, split), exist_ok=True)
        images, annotations = [], []
        for pos in range(count):
            file_name = f'{image_id:012d}.jpg'
            canvas = Image.fromarray(
                rng.integers(0, 60, (height, width, 3), dtype=np.uint8))
            draw = ImageDraw.Draw(canvas)
            for obj in range(1 + pos % 2):
                label = (pos + obj) % num_classes
                poly = _polygon(rng, width, height)
                draw.polygon(poly, fill=tuple(int(c) for c in colours[label]))
                xs, ys = poly[0::2], poly[1::2]
                annotations.append(
                    dict(
                        id=ann_id,
                        image_id=image_id,
                        category_id=COCO_CATEGORY_IDS[label],
                        segmentation=[poly],
                        area=round(_area(poly), 2),
                        bbox=[
                            min(xs),
                            min(ys),
                            round(max(xs) - min(xs), 2),
                            round(max(ys) - min(ys), 2)
                        ],
                        iscrowd=0))
                ann_id += 1
            canvas.save(osp.join(root, split, file_name), quality=95)
            images.append(
                dict(
                    id=image_id,
                    file_name=file_name,
                    width=width,
                    height=height))
            image_id += 1
        with open(
                osp.join(root, 'annotations', f'instances_{split}.json'),
                'w') as f:
            json.dump(
                dict(
                    info=dict(description='COCO 2017 miniature'),
                    licenses=[],
                    images=images,
                    annotations=annotations,
                    categories=categories), f)
    return root
