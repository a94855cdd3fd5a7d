# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Loader benchmarks: image decoding backends and the four loader paths
of the rotation pipeline (naive, transform, on_device, on_device_flip)."""
import os
import os.path as osp
import statistics
from typing import Dict

import mmcv
import torch
from mmengine.dataset import default_collate
from mmpretrain.registry import DATASETS
from torch.utils.data import DataLoader

from mmselfsup_rot.datasets.sample_seeded_compose import seed_per_sample
from .measure import alternate, peak_rss_mb, reset_peak_rss
from .naive_rotation import InterpolatedRotationBaseline
from .settings import SpeedSettings

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
LOADER_PATHS = ('naive', 'transform', 'on_device', 'on_device_flip',
                'on_device_seeded')
#: Paths that leave the rotation to ``RotationDataPreprocessor``.
ON_DEVICE_PATHS = ('on_device', 'on_device_flip', 'on_device_seeded')


def bench_decode(root: str, rounds: int) -> Dict[str, dict]:
    """Images/s of ``LoadImageFromFile`` per ``imdecode_backend`` and the
    mean absolute pixel difference of each backend to ``cv2``."""
    from mmcv.transforms import LoadImageFromFile
    train = osp.join(root, 'train')
    files = sorted(osp.join(d, f) for d, _, fs in os.walk(train) for f in fs)
    loaders = {}
    for backend in ('cv2', 'pillow', 'turbojpeg'):
        loader = LoadImageFromFile(imdecode_backend=backend)
        try:
            if backend == 'turbojpeg':
                # mmcv creates its TurboJPEG decoder only in use_backend
                mmcv.use_backend('turbojpeg')
                mmcv.use_backend('cv2')
            loader(dict(img_path=files[0]))
        except Exception as exc:  # backend not installed
            loaders[backend] = f'unavailable: {type(exc).__name__}: {exc}'
            continue
        loaders[backend] = loader

    def run(loader):
        return lambda: [loader(dict(img_path=f)) for f in files]

    usable = {k: v for k, v in loaders.items() if not isinstance(v, str)}
    times = alternate({
        k: run(v)
        for k, v in usable.items()
    }, rounds, 1, torch.device('cpu'))
    ref = usable['cv2'](dict(img_path=files[0]))['img'].astype('float32')
    result = {}
    for backend, loader in loaders.items():
        if isinstance(loader, str):
            result[backend] = dict(available=False, reason=loader)
            continue
        img = loader(dict(img_path=files[0]))['img'].astype('float32')
        result[backend] = dict(
            available=True,
            images_per_s=len(files) /
            statistics.median(times[backend]['wall']),
            images_per_cpu_s=len(files) /
            statistics.median(times[backend]['cpu']),
            mean_abs_diff_vs_cv2=float(abs(img - ref).mean()))
    return result


def build_pipeline(path: str, size: int, decode_backend: str) -> list:
    """The mmselfsup recipe's pipeline with the rotation of ``path``."""
    pipeline = [
        dict(type='LoadImageFromFile', imdecode_backend=decode_backend),
        dict(type='RandomResizedCrop', scale=size, backend='pillow'),
    ]
    if path != 'on_device_flip':  # that path flips in the preprocessor
        pipeline.append(dict(type='RandomFlip', prob=0.5))
    if path == 'naive':
        pipeline.append(dict(type=InterpolatedRotationBaseline))
    elif path == 'transform':
        pipeline.append(dict(type='RotationWithLabels'))
    elif path not in ON_DEVICE_PATHS:
        raise ValueError(f'Unknown loader path {path!r}; expected one of '
                         f'{LOADER_PATHS}.')
    keys = ['rot_label'] if path in ('naive', 'transform') else []
    pipeline.append(dict(type='PackInputs', algorithm_keys=keys))
    return pipeline


def build_loader(root: str, path: str, settings: SpeedSettings,
                 size: int) -> DataLoader:
    dataset = DATASETS.build(
        dict(
            type='ImageNet',
            data_root=root,
            split='train',
            pipeline=build_pipeline(path, size, settings.decode_backend)))
    if path == 'on_device_seeded':
        # what training does: every sample seeded from (seed, epoch, index)
        seed_per_sample(dataset, settings.seed)
    return DataLoader(
        dataset,
        batch_size=settings.batch_size,
        num_workers=settings.workers,
        collate_fn=default_collate,
        pin_memory=settings.device.startswith('cuda'),
        persistent_workers=settings.workers > 0,
        drop_last=True)


def _batch_bytes(batch: dict) -> int:
    inputs = batch['inputs']
    views = inputs if isinstance(inputs, list) else [inputs]
    return sum(v.numel() * v.element_size() for v in views)


def bench_loaders(root: str, settings: SpeedSettings, size: int) -> dict:
    """Source images/s per worker, bytes shipped and peak RSS per path."""
    loaders = {p: build_loader(root, p, settings, size) for p in LOADER_PATHS}
    stats = {p: dict(images=0, bytes=0, peak_rss_mb=0.0) for p in loaders}

    def epoch(path):

        def run():
            reset_peak_rss()
            for batch in loaders[path]:
                stats[path]['images'] = len(batch['data_samples'])
                stats[path]['bytes'] = _batch_bytes(batch)
            stats[path]['peak_rss_mb'] = max(stats[path]['peak_rss_mb'],
                                             peak_rss_mb())

        return run

    def pids(path):
        iterator = loaders[path]._iterator
        return [w.pid for w in getattr(iterator, '_workers', [])]

    times = alternate({p: epoch(p)
                       for p in loaders}, settings.loader_rounds, 1,
                      torch.device('cpu'), pids)
    workers = max(settings.workers, 1)
    result = {}
    for path, loader in loaders.items():
        num = len(loader) * settings.batch_size
        per_s = num / statistics.median(times[path]['wall'])
        worker_rss = [peak_rss_mb(str(pid)) for pid in pids(path)]
        result[path] = dict(
            images_per_s=per_s,
            images_per_s_per_worker=per_s / workers,
            # main process and workers together: robust to machine load
            images_per_cpu_s=num / statistics.median(times[path]['cpu']),
            bytes_per_source_image=stats[path]['bytes'] /
            stats[path]['images'],
            main_peak_rss_mb=stats[path]['peak_rss_mb'],
            worker_peak_rss_mb=max(worker_rss) if worker_rss else None,
            epoch_s=times[path])
        loader._iterator = None  # stop the persistent workers
    for path in LOADER_PATHS[1:]:
        for key in ('images_per_s', 'images_per_cpu_s'):
            result[path][f'speedup_vs_naive_{key}'] = (
                result[path][key] / result['naive'][key])
    return result
