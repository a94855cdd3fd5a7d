# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import json
import os.path as osp
from typing import List, Optional

from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class INaturalist2018(BaseDataset):
    """iNaturalist 2018 in its released layout.

    ::

        data/inat18/
        ├── train2018.json, val2018.json
        └── train_val2018/<supercategory>/<category id>/<hash>.jpg

    The JSON files are COCO-style: ``images`` (``id``, ``file_name``
    relative to the data root), ``annotations`` (``image_id``,
    ``category_id``) and ``categories`` (``id``, ``name``). Labels are the
    positions of the category ids in sorted order (0..8141 for iNat18).

    Args:
        ann_file (str): ``train2018.json`` or ``val2018.json``.
        data_root (str): The dataset root.
        data_prefix (str | dict): Prefix of ``file_name``. Defaults to ''.
        **kwargs: Passed to :class:`mmpretrain.datasets.BaseDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: str = '',
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=data_prefix)
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            metainfo=metainfo,
            **kwargs)

    def _read_json(self) -> dict:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'iNaturalist annotation file not found: {self.ann_file}')
        with open(self.ann_file) as f:
            data = json.load(f)
        missing = {'images', 'annotations', 'categories'} - set(data)
        if missing:
            raise ValueError(f'{self.ann_file} lacks {sorted(missing)}; '
                             'expected the iNaturalist COCO-style JSON.')
        return data

    def load_data_list(self) -> List[dict]:
        """One ``img_path``/``gt_label`` dict per annotated image."""
        data = self._read_json()
        categories = sorted(data['categories'], key=lambda c: c['id'])
        label_of = {c['id']: idx for idx, c in enumerate(categories)}
        if not self._metainfo.get('classes'):
            self._metainfo['classes'] = tuple(c['name'] for c in categories)
        category_of = {
            a['image_id']: a['category_id']
            for a in data['annotations']
        }
        return [
            dict(
                img_path=osp.join(self.img_prefix, img['file_name']),
                gt_label=label_of[category_of[img['id']]])
            for img in data['images'] if img['id'] in category_of
        ]
