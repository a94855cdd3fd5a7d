# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Check a config's datasets on disk before any model is built.

A typo in a data path otherwise surfaces minutes later, after the model is
built, as a traceback from deep inside a dataset class (or, for an empty
folder, as a sampler of length 0). These checks read only folder listings
and annotation files and raise one line naming what was expected where.
"""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET
from typing import Iterator, List, Optional, Sequence, Tuple

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')
# mmpretrain datasets in the "<class>/<image>" or "<path> <label>" layout.
FOLDER_DATASETS = ('CustomDataset', 'ImageNet', 'ImageNet21k')
# mmpretrain datasets that download themselves into a missing data_root
# when download=True (their default).
DOWNLOADABLE = {
    'CIFAR10': 'https://www.cs.toronto.edu/~kriz/cifar.html',
    'CIFAR100': 'https://www.cs.toronto.edu/~kriz/cifar.html',
    'MNIST': 'http://yann.lecun.com/exdb/mnist/',
    'FashionMNIST': 'https://github.com/zalandoresearch/fashion-mnist',
}
# Segmentation-map suffixes that mmseg datasets set in their class rather
# than in the config.
SEG_MAP_SUFFIXES = {'CityscapesDataset': '_gtFine_labelTrainIds.png'}
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
PREPARE_DOC = 'docs/dataset_prepare.md'


class DatasetError(ValueError):
    """A dataset that is missing or malformed on disk."""


def _join(root: str, path: str) -> str:
    return path if not root or osp.isabs(path) else osp.join(root, path)


def _spread(items: list, limit: Optional[int]) -> list:
    """At most ``limit`` items spread evenly over ``items``."""
    if limit is None or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def _has_image(folder: str) -> bool:
    for _, _, files in os.walk(folder, followlinks=True):
        if any(f.lower().endswith(IMG_EXTENSIONS) for f in files):
            return True
    return False


def _img_prefix(cfg: dict) -> str:
    prefix = cfg.get('data_prefix', '')
    if isinstance(prefix, dict):
        prefix = prefix.get('img_path', prefix.get('img', ''))
    return prefix or cfg.get('split', '') or ''


def _read_lines(path: str) -> List[str]:
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def _missing(paths: List[Tuple[str, str]], where: str, ann: str) -> None:
    absent = [(name, full) for name, full in paths if not osp.isfile(full)]
    if absent:
        raise DatasetError(
            f'{ann} names {len(absent)} image(s) that do not exist under '
            f'{where}, e.g. {absent[0][0]!r} (expected {absent[0][1]}).')


def _check_list(cfg: dict, name: str, limit: Optional[int]) -> None:
    """mmpretrain's CustomDataset / ImageNet: a folder or a path list."""
    root = cfg.get('data_root', '') or ''
    folder = _join(root, _img_prefix(cfg))
    ann = cfg.get('ann_file', '') or ''
    if not ann and cfg.get('split'):
        # mmpretrain's ImageNet reads meta/<split>.txt when it exists
        default = osp.join('meta', f'{cfg["split"]}.txt')
        ann = default if osp.isfile(_join(root, default)) else ''
    if not ann:
        if not osp.isdir(folder):
            raise DatasetError(
                f'{name}: image folder {folder} does not exist (expected '
                '<class>/<image> files there, or set ann_file).')
        if not _has_image(folder):
            raise DatasetError(
                f'{name}: no images ({", ".join(IMG_EXTENSIONS[:3])} ...) '
                f'found under {folder}; expected <class>/<image> files.')
        return
    ann = _join(root, ann)
    if not osp.isfile(ann):
        raise DatasetError(f'{name}: annotation file {ann} does not exist.')
    lines = _read_lines(ann)
    if not lines:
        raise DatasetError(f'{name}: annotation file {ann} lists no images; '
                           'expected lines "<relative path> <label>".')
    names = [
        line.rsplit(' ', 1)[0] if ' ' in line else line
        for line in _spread(lines, limit)
    ]
    # Lists of ids without an extension belong to other toolboxes' formats.
    names = [n for n in names if n.lower().endswith(IMG_EXTENSIONS)]
    _missing([(n, _join(folder, n)) for n in names], folder, ann)


def _check_voc(cfg: dict, name: str, limit: Optional[int]) -> None:
    """mmdet's VOCDataset and mmpretrain's VOC: ids, JPEGs and XMLs."""
    root = cfg.get('data_root', '') or ''
    prefix = cfg.get('data_prefix', {}) or {}
    if isinstance(prefix, str):
        prefix = dict(img_path=prefix)
    base = _join(root, prefix.get('sub_data_root', ''))
    img_dir = _join(base,
                    prefix.get('img_path', prefix.get('img', 'JPEGImages')))
    xml_dir = _join(base, prefix.get('ann_path', 'Annotations'))
    ann = cfg.get('ann_file', '') or ''
    if not ann and cfg.get('split'):
        ann = osp.join('ImageSets', 'Main', f'{cfg["split"]}.txt')
    ann = _join(root, ann)
    if not osp.isfile(ann):
        raise DatasetError(f'{name}: VOC image-set file {ann} does not '
                           'exist (expected ImageSets/Main/<split>.txt).')
    ids = [line.split()[0] for line in _read_lines(ann)]
    if not ids:
        raise DatasetError(f'{name}: VOC image-set file {ann} is empty.')
    for img_id in _spread(ids, limit):
        xml = osp.join(xml_dir, f'{img_id}.xml')
        if not osp.isfile(xml):
            raise DatasetError(f'{ann} names {img_id!r} but its annotation '
                               f'{xml} does not exist.')
        img = osp.join(img_dir, f'{img_id}.jpg')
        if not osp.isfile(img):
            raise DatasetError(f'{ann} names {img_id!r} but its image {img} '
                               'does not exist.')
        try:
            objects = ET.parse(xml).getroot().findall('object')
        except ET.ParseError as err:
            raise DatasetError(f'{xml} is not valid XML ({err}).') from None
        if not objects:
            raise DatasetError(
                f'{xml} has no <object>: every image listed in {ann} needs '
                'at least one annotated object; remove it from the list.')


def _check_coco(cfg: dict, name: str, limit: Optional[int]) -> None:
    """COCO-style json annotations."""
    root = cfg.get('data_root', '') or ''
    ann = _join(root, cfg.get('ann_file', '') or '')
    if not osp.isfile(ann):
        raise DatasetError(f'{name}: COCO annotation file {ann} does not '
                           'exist.')
    try:
        with open(ann) as f:
            images = json.load(f).get('images') or []
    except (ValueError, AttributeError) as err:
        raise DatasetError(f'{ann} is not a COCO json file ({err}).') from None
    if not images:
        raise DatasetError(f'{ann} lists no images (empty "images").')
    folder = _join(root, _img_prefix(cfg))
    _missing([(im['file_name'], _join(folder, im['file_name']))
              for im in _spread(images, limit)], folder, ann)


def _check_generic(cfg: dict, name: str) -> None:
    """Other toolboxes' datasets: the files named in the config exist."""
    root = cfg.get('data_root', '') or ''
    ann = cfg.get('ann_file', '')
    if isinstance(ann, str) and ann and not osp.isfile(_join(root, ann)):
        raise DatasetError(f'{name}: annotation file {_join(root, ann)} '
                           'does not exist.')
    prefix = cfg.get('data_prefix')
    img = prefix.get('img_path') if isinstance(prefix, dict) else None
    if img and not ann:
        folder = _join(root, img)
        if not osp.isdir(folder) or not _has_image(folder):
            raise DatasetError(f'{name}: no images found under {folder} '
                               '(data_prefix.img_path).')


def _has_file(folder: str, suffix: str) -> bool:
    for _, _, files in os.walk(folder, followlinks=True):
        if any(f.endswith(suffix) for f in files):
            return True
    return False


def _check_seg_maps(cfg: dict, name: str) -> None:
    """mmseg datasets: the label maps the config reads exist."""
    prefix = cfg.get('data_prefix')
    seg = prefix.get('seg_map_path') if isinstance(prefix, dict) else None
    if not seg:
        return
    ds_type = str(cfg.get('type', '')).split('.')[-1]
    suffix = cfg.get('seg_map_suffix') or SEG_MAP_SUFFIXES.get(ds_type, '.png')
    folder = _join(cfg.get('data_root', '') or '', seg)
    if not osp.isdir(folder) or not _has_file(folder, suffix):
        raise DatasetError(
            f'{name}: no *{suffix} label maps under {folder} '
            f'(data_prefix.seg_map_path); build them as {PREPARE_DOC} '
            'says.')


def leaf_datasets(cfg: dict, name: str) -> Iterator[Tuple[dict, str]]:
    """Dataset configs inside dataset wrappers (``dataset``/``datasets``),
    with their config key, e.g. ``train_dataloader.dataset.datasets.1``."""
    if cfg.get('datasets') is not None:
        for i, inner in enumerate(cfg['datasets']):
            yield from leaf_datasets(inner, f'{name}.datasets.{i}')
    elif cfg.get('dataset') is not None:
        yield from leaf_datasets(cfg['dataset'], f'{name}.dataset')
    else:
        yield cfg, name


def check_dataset_cfg(cfg: dict,
                      name: str = 'dataset',
                      limit: Optional[int] = 20000) -> None:
    """Check one dataset config against the files on disk.

    Args:
        cfg (dict): A dataset config (wrappers are followed).
        name (str): Its key in the config, for messages.
        limit (int, optional): Check at most this many annotation entries,
            spread over the list (None: all).

    Raises:
        DatasetError: With one line saying what was expected where.
    """
    for leaf, key in leaf_datasets(cfg, name):
        root = leaf.get('data_root', '') or ''
        ds_type = str(leaf.get('type', ''))
        short_type = ds_type.split('.')[-1]
        if short_type in DOWNLOADABLE:
            if not osp.isdir(root) and not leaf.get('download', True):
                raise DatasetError(
                    f'{key}.data_root: folder {root} does not exist and '
                    f'download=False; put the {short_type} files there '
                    f'({DOWNLOADABLE[short_type]}) or set download=True.')
            # otherwise mmpretrain downloads into a missing data_root
            check_pipeline_crops(leaf.get('pipeline') or [], f'{key}.pipeline')
            continue
        if root and not osp.isdir(root):
            raise DatasetError(
                f'{key}.data_root: folder {root} does not exist; set it to '
                f'the dataset folder ({PREPARE_DOC} gives each layout).')
        if short_type in ('VOCDataset', 'VOC'):
            _check_voc(leaf, key, limit)
        elif 'Coco' in ds_type or str(leaf.get('ann_file',
                                               '')).endswith('.json'):
            _check_coco(leaf, key, limit)
        elif ds_type.split('.')[-1] in FOLDER_DATASETS:
            _check_list(leaf, key, limit)
        else:
            _check_generic(leaf, key)
        _check_seg_maps(leaf, key)
        check_pipeline_crops(leaf.get('pipeline') or [], f'{key}.pipeline')


def _side(size) -> Optional[int]:
    """The smaller side of an int or ``(w, h)`` size, None if unknown."""
    if isinstance(size, int):
        return size
    if isinstance(size, (list, tuple)) and size and all(
            isinstance(s, int) and s > 0 for s in size):
        return min(size)
    return None


def check_pipeline_crops(pipeline: list, name: str = 'pipeline') -> None:
    """Refuse crop settings that cannot work, before anything is built.

    ``RandomResizedCrop`` ranges must be valid fractions and ratios, and a
    ``RandomCrop``/``CenterCrop`` must not be larger than the image that an
    earlier transform of known output size (``RandomResizedCrop``,
    ``Resize``, ``ResizeEdge``, another crop) produces, unless it pads.

    Raises:
        DatasetError: Naming the transform and the sizes.
    """
    known = None  # smaller side of the image after the last sized step
    for idx, step in enumerate(pipeline):
        if not isinstance(step, dict):
            continue
        kind = str(step.get('type', '')).split('.')[-1]
        where = f'{name}.{idx} ({kind})'
        if kind == 'RandomResizedCrop':
            low, high = step.get('crop_ratio_range', (0.08, 1.0))
            if not 0 < low <= high <= 1:
                raise DatasetError(
                    f'{where}: crop_ratio_range must satisfy 0 < min <= max '
                    f'<= 1 (fractions of the image area), got {(low, high)}.')
            ratio = step.get('aspect_ratio_range', (3. / 4., 4. / 3.))
            if not 0 < ratio[0] <= ratio[1]:
                raise DatasetError(f'{where}: aspect_ratio_range must be '
                                   f'positive and increasing, got {ratio}.')
            known = _side(step.get('scale'))
        elif kind in ('RandomCrop', 'CenterCrop'):
            crop = _side(step.get('crop_size'))
            pads = step.get('padding') or step.get('pad_if_needed') or \
                step.get('auto_pad')
            if crop is not None and known is not None and crop > known \
                    and not pads:
                raise DatasetError(
                    f'{where}: crop_size {step.get("crop_size")} is larger '
                    f'than the {known} px image the earlier steps produce; '
                    'lower it, resize to at least the crop size first, or '
                    'set padding/pad_if_needed.')
            known = crop if crop is not None else known
        elif kind in ('Resize', 'ResizeEdge'):
            known = _side(step.get('scale'))


def loaders_used_by(cfg, mode: str) -> Tuple[str, ...]:
    """The dataloaders a run of ``mode`` (``'train'`` or ``'test'``) reads:
    training reads the train split and, when it validates, the val split;
    testing reads the test split only."""
    if mode == 'test':
        return ('test_dataloader', )
    if cfg.get('val_cfg') is not None and cfg.get('val_dataloader'):
        return ('train_dataloader', 'val_dataloader')
    return ('train_dataloader', )


def check_datasets(cfg, loaders: Sequence[str] = LOADERS) -> None:
    """Check the datasets of a config's ``loaders`` (see
    :func:`check_dataset_cfg`); ``extract_dataloaders.<split>`` names a
    split of the feature-extraction configs."""
    for loader in loaders:
        if loader.startswith('extract_dataloaders.'):
            loader_cfg = (cfg.get('extract_dataloaders')
                          or {}).get(loader.split('.', 1)[1])
        else:
            loader_cfg = cfg.get(loader)
        if loader_cfg and loader_cfg.get('dataset') is not None:
            check_dataset_cfg(loader_cfg['dataset'], f'{loader}.dataset')
