# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Places205 miniatures in the released layout::

    root/data/vision/torralba/deeplearning/images256/a/abbey/*.jpg
    root/trainvalsplit_places205/{train,val}_places205.csv

The split files hold ``a/abbey/00000001.jpg 0`` lines, which mmpretrain's
``Places205`` dataset reads with ``data_prefix`` set to the images256
folder."""
import os
import os.path as osp
from typing import Sequence

import numpy as np
from PIL import Image

IMAGES_DIR = 'data/vision/torralba/deeplearning/images256'
SPLIT_DIR = 'trainvalsplit_places205'


def make_places205(root: str,
                   categories: Sequence[str] = ('abbey', 'airport_terminal',
                                                'alley'),
                   train_per_class: int = 4,
                   val_per_class: int = 2,
                   size: int = 32,
                   seed: int = 0) -> str:
    """Write a Places205 miniature (colour-coded classes); return root."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, SPLIT_DIR), exist_ok=True)
    index = 0
    for split, per_class in (('train', train_per_class), ('val',
                                                          val_per_class)):
        lines = []
        for label, name in enumerate(categories):
            colour = np.random.default_rng(label).integers(0, 256, 3)
            for _ in range(per_class):
                index += 1
                rel = f'{name[0]}/{name}/{index:08d}.jpg'
                path = osp.join(root, IMAGES_DIR, rel)
                os.makedirs(osp.dirname(path), exist_ok=True)
                noise = rng.integers(-30, 31, (size, size, 3))
                img = np.clip(colour + noise, 0, 255).astype(np.uint8)
                Image.fromarray(img).save(path, quality=95)
                lines.append(f'{rel} {label}\n')
        with open(osp.join(root, SPLIT_DIR, f'{split}_places205.csv'),
                  'w') as f:
            f.writelines(lines)
    return root
