# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""ImageNet-1k annotation files from the official download.

The ILSVRC2012 download unpacks to ``train/<wnid>/*.JPEG`` (1,000 class
folders), a flat ``val/`` folder of 50,000 ``ILSVRC2012_val_*.JPEG`` files
and the development kit, whose ``data/ILSVRC2012_validation_ground_truth.txt``
gives the class of each validation image as an ``ILSVRC2012_ID`` that
``data/meta.mat`` maps to a WordNet id. mmpretrain's ``ImageNet`` reads
``meta/train.txt`` and ``meta/val.txt`` with ``relative/path label`` lines,
``label`` being the position of the WordNet id in sorted order (the order
of mmpretrain's ImageNet class names)::

    meta/train.txt: n01440764/n01440764_10026.JPEG 0
    meta/val.txt:   ILSVRC2012_val_00000001.JPEG 65

:func:`write_imagenet_meta` writes both. The validation labels come from
the development kit, from a label file (``<image> <wnid>`` or
``<image> <label>`` lines, or the ``ImageId,PredictionString`` CSV of the
localisation challenge), or, when ``val/`` is already sorted into class
folders, from the folders.
"""
import csv
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from .checks import IMG_EXTENSIONS, DatasetError

WNID = re.compile(r'^n\d{8}$')
Rows = List[Tuple[str, int]]


def _images(folder: str) -> List[str]:
    return sorted(
        e.name for e in os.scandir(folder)
        if e.is_file() and e.name.lower().endswith(IMG_EXTENSIONS))


def _class_folders(folder: str) -> List[str]:
    return sorted(e.name for e in os.scandir(folder) if e.is_dir())


def scan_class_folders(folder: str,
                       wnids: Optional[List[str]] = None,
                       progress: bool = True) -> Tuple[List[str], Rows]:
    """``<wnid>/<image>`` rows of a folder of class folders.

    Args:
        folder (str): E.g. ``data/imagenet/train``.
        wnids (list[str], optional): The classes, in label order. Defaults
            to the sorted folder names.
        progress (bool): Draw a progress bar over the class folders.

    Returns:
        tuple: The classes and ``[(relative path, label)]``.
    """
    from mmselfsup_rot.utils.progress import track
    if not osp.isdir(folder):
        raise DatasetError(f'{folder} does not exist (expected the '
                           'ImageNet class folders <wnid>/*.JPEG there).')
    found = _class_folders(folder)
    if not found:
        raise DatasetError(f'{folder} has no class folders (expected '
                           '<wnid>/*.JPEG).')
    wnids = found if wnids is None else wnids
    unknown = sorted(set(found) - set(wnids))
    if unknown:
        raise DatasetError(f'{folder} has class folders that are not '
                           f'training classes, e.g. {unknown[0]!r}.')
    label_of = {wnid: idx for idx, wnid in enumerate(wnids)}
    rows: Rows = []
    for wnid in track(found, len(found), f'Listing {folder}', progress):
        rows += [(f'{wnid}/{name}', label_of[wnid])
                 for name in _images(osp.join(folder, wnid))]
    if not rows:
        raise DatasetError(f'No images (.JPEG, .jpg, .png ...) in the class '
                           f'folders of {folder}.')
    return wnids, rows


def read_devkit_labels(devkit: str) -> List[str]:
    """WordNet id of each validation image, in file-name order, from the
    ILSVRC2012 development kit (``ILSVRC2012_devkit_t12``)."""
    from scipy.io import loadmat
    meta, truth = (
        osp.join(devkit, 'data', name)
        for name in ('meta.mat', 'ILSVRC2012_validation_ground_truth.txt'))
    for path in (meta, truth):
        if not osp.isfile(path):
            raise DatasetError(f'{path} does not exist: give the unpacked '
                               'ILSVRC2012_devkit_t12 folder as --devkit.')
    synsets = loadmat(meta, squeeze_me=True)['synsets']
    # the 1,000 classes are the leaves of the synset tree
    idx_to_wnid = {
        int(s['ILSVRC2012_ID']): str(s['WNID'])
        for s in synsets if int(s['num_children']) == 0
    }
    with open(truth) as f:
        ids = [int(line) for line in f if line.strip()]
    missing = sorted(set(ids) - set(idx_to_wnid))
    if missing:
        raise DatasetError(f'{devkit}: ILSVRC2012_ID {missing[0]} of the '
                           'ground truth is not a leaf synset of meta.mat.')
    return [idx_to_wnid[i] for i in ids]


def read_label_file(path: str) -> Dict[str, str]:
    """``{image name: wnid or label}`` of a validation label file.

    Accepts ``<image> <wnid>`` / ``<image> <label>`` lines and the
    ``ImageId,PredictionString`` CSV (the first WordNet id of the
    prediction string is the class).
    """
    if not osp.isfile(path):
        raise DatasetError(f'Validation label file {path} does not exist.')
    out = {}
    with open(path, newline='') as f:
        first = f.readline()
        f.seek(0)
        if first.startswith('ImageId,'):
            for row in csv.DictReader(f):
                out[row['ImageId']] = row['PredictionString'].split()[0]
        else:
            for num, line in enumerate(f, 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 2:
                    raise DatasetError(
                        f'{path}:{num}: expected "<image> <wnid or label>", '
                        f'got {line.strip()!r}.')
                out[parts[0]] = parts[1]
    if not out:
        raise DatasetError(f'Validation label file {path} is empty.')
    return out


def _match_names(labels: Dict[str, str], names: List[str],
                 where: str) -> Dict[str, str]:
    """Key ``labels`` by the file names of ``names`` (a label file may
    name images without their extension)."""
    stems = {osp.splitext(n)[0]: n for n in names}
    out = {}
    for key, value in labels.items():
        name = key if key in names else stems.get(key)
        if name is None:
            raise DatasetError(f'The validation labels name {key!r}, which '
                               f'is not an image of {where}.')
        out[name] = value
    unlabelled = sorted(set(names) - set(out))
    if unlabelled:
        raise DatasetError(f'{len(unlabelled)} image(s) of {where} have no '
                           f'validation label, e.g. {unlabelled[0]!r}.')
    return out


def flat_val_rows(val_dir: str,
                  wnids: List[str],
                  devkit: Optional[str] = None,
                  label_file: Optional[str] = None) -> Rows:
    """``(image name, label)`` of a flat validation folder.

    Args:
        val_dir (str): The folder of ``ILSVRC2012_val_*.JPEG`` files.
        wnids (list[str]): The training classes in label order.
        devkit (str, optional): The unpacked development kit.
        label_file (str, optional): A label file (see
            :func:`read_label_file`).

    Returns:
        list: ``[(image name, label)]`` in file-name order.
    """
    if (devkit is None) == (label_file is None):
        raise DatasetError('Give exactly one of the development kit and a '
                           'validation label file for a flat val folder.')
    names = _images(val_dir)
    if not names:
        raise DatasetError(f'No images in {val_dir}.')
    if devkit is not None:
        classes = read_devkit_labels(devkit)
        if len(classes) != len(names):
            raise DatasetError(
                f'The development kit labels {len(classes)} validation '
                f'images but {val_dir} has {len(names)}.')
        by_name = dict(zip(names, classes))
    else:
        by_name = _match_names(read_label_file(label_file), names, val_dir)
    label_of = {wnid: idx for idx, wnid in enumerate(wnids)}
    rows = []
    for name in names:
        value = by_name[name]
        if WNID.match(value):
            if value not in label_of:
                raise DatasetError(f'{name} is labelled {value}, which is not '
                                   'one of the training class folders.')
            label = label_of[value]
        elif value.isdigit() and int(value) < len(wnids):
            label = int(value)
        else:
            raise DatasetError(
                f'{name} is labelled {value!r}: expected a WordNet id '
                f'(n01440764) or a label in [0, {len(wnids) - 1}].')
        rows.append((name, label))
    return rows


def _write(path: str, rows: Rows) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        f.writelines(f'{name} {label}\n' for name, label in rows)
    os.replace(tmp, path)


def write_imagenet_meta(root: str,
                        devkit: Optional[str] = None,
                        label_file: Optional[str] = None,
                        progress: bool = True) -> Dict[str, int]:
    """Write ``root/meta/train.txt`` and ``root/meta/val.txt``.

    Args:
        root (str): The ImageNet folder with ``train/`` and ``val/``.
        devkit (str, optional): The unpacked ILSVRC2012 development kit,
            for a flat ``val/``.
        label_file (str, optional): A validation label file, for a flat
            ``val/``.
        progress (bool): Draw progress bars.

    Returns:
        dict: Images per split, and ``classes``.
    """
    wnids, train = scan_class_folders(
        osp.join(root, 'train'), progress=progress)
    val_dir = osp.join(root, 'val')
    if not osp.isdir(val_dir):
        raise DatasetError(f'{val_dir} does not exist (expected the '
                           'validation images there).')
    if _class_folders(val_dir) and not _images(val_dir):
        _, val = scan_class_folders(val_dir, wnids, progress=progress)
    else:
        val = flat_val_rows(val_dir, wnids, devkit, label_file)
    _write(osp.join(root, 'meta', 'train.txt'), train)
    _write(osp.join(root, 'meta', 'val.txt'), val)
    return dict(train=len(train), val=len(val), classes=len(wnids))
