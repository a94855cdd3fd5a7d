# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""iNaturalist 2018 miniatures: ``root/train_val2018/<super>/<id>/*.jpg``
and COCO-style ``root/{train,val}2018.json``, the released layout."""
import json
import os
import os.path as osp

import numpy as np
from PIL import Image


def make_inat2018(root: str,
                  num_classes: int = 3,
                  train_per_class: int = 4,
                  val_per_class: int = 2,
                  size: int = 32,
                  seed: int = 0) -> str:
    """Write an iNat18 miniature whose classes have distinct mean colours
    and return its root."""
    rng = np.random.default_rng(seed)
    categories = [
        dict(
            id=cid,
            name=f'species_{cid}',
            supercategory='Plantae',
            kingdom='Plantae') for cid in range(num_classes)
    ]
    image_id = 0
    for split, per_class in (('train', train_per_class), ('val',
                                                          val_per_class)):
        images, annotations = [], []
        for cid in range(num_classes):
            colour = np.random.default_rng(cid).integers(0, 256, 3)
            for _ in range(per_class):
                rel = (f'train_val2018/Plantae/{cid}/'
                       f'{rng.integers(1 << 62):016x}.jpg')
                path = osp.join(root, rel)
                os.makedirs(osp.dirname(path), exist_ok=True)
                noise = rng.integers(-30, 31, (size, size, 3))
                img = np.clip(colour + noise, 0, 255).astype(np.uint8)
                Image.fromarray(img).save(path, quality=95)
                images.append(
                    dict(
                        id=image_id,
                        file_name=rel,
                        width=size,
                        height=size,
                        license=0,
                        rights_holder=''))
                annotations.append(
                    dict(id=image_id, image_id=image_id, category_id=cid))
                image_id += 1
        with open(osp.join(root, f'{split}2018.json'), 'w') as f:
            json.dump(
                dict(
                    info=dict(year=2018),
                    images=images,
                    annotations=annotations,
                    categories=categories,
                    licenses=[]), f)
    return root
