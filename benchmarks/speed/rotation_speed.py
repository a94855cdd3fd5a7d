# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Side-by-side speed benchmark of the rotation pipeline.

In one run it measures, on a miniature ImageNet written to disk as JPEGs:

- image decoding with each backend of mmcv's ``LoadImageFromFile``;
- loader throughput (source images/s per worker, by wall clock and per
  CPU-second) of four paths through the real mmpretrain pipeline and a
  torch ``DataLoader``: mmselfsup 1.x's interpolated rotation in the loader
  (``naive``), the exact ``RotationWithLabels`` transform (``transform``),
  the pipeline without rotation followed by ``RotationDataPreprocessor``
  (``on_device``) and, in addition, without ``RandomFlip`` for the
  preprocessor's ``flip_prob`` (``on_device_flip``);
- the full RotNet training iteration (``model.train_step``: preprocessing,
  rotation, backbone, head, loss, ``OptimWrapper`` update) against the
  backbone's bare forward + backward + SGD step on the same rotated batch,
  alternated step by step and compared by medians (CPU time on the CPU,
  synchronised wall-clock time on CUDA);
- peak host memory (RSS) and, on CUDA, peak device memory.

Example::

    python benchmarks/speed/rotation_speed.py --backbone resnet50 \\
        --size 64 --out work_dirs/speed/resnet50_64.json

See docs/speed.md for the recorded figures.
"""
import argparse
import contextlib
import json
import os
import os.path as osp
import platform
import resource
import statistics
import tempfile
import time
from typing import Callable, Dict, List, Optional

import mmcv
import torch
from mmengine.dataset import default_collate
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmpretrain.registry import DATASETS, MODELS
from mmpretrain.utils import register_all_modules
from torch.utils.data import DataLoader

import mmselfsup_rot  # noqa: F401  (registers the project's modules)
from mmselfsup_rot.datasets.miniature import make_imagenet

try:  # imported as benchmarks.speed.rotation_speed
    from .naive_rotation import InterpolatedRotationBaseline
except ImportError:  # run as a script
    from naive_rotation import InterpolatedRotationBaseline

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
LOADER_PATHS = ('naive', 'transform', 'on_device', 'on_device_flip')
#: Backbone configs by benchmark name; missing registrations are skipped.
BACKBONES = {
    'resnet50': dict(type='ResNet', depth=50, out_indices=[3]),
    'resnet18': dict(type='ResNet', depth=18, out_indices=[3]),
    'nin': dict(type='NIN'),
    'alexnet': dict(type='RotNetAlexNet'),
}


# --------------------------------------------------------------- memory
def _status_kb(field: str, pid: str = 'self') -> Optional[float]:
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> None:
    """Reset the kernel's peak-RSS counter of this process (Linux)."""
    with contextlib.suppress(OSError):
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')


def peak_rss_mb(pid: str = 'self') -> float:
    """Peak resident memory of a process in MiB (VmHWM, else ru_maxrss)."""
    kb = _status_kb('VmHWM', pid)
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


# --------------------------------------------------------------- timing
def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def children_cpu_s(pids: List[int]) -> float:
    """User + system CPU seconds consumed so far by other processes."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f'/proc/{pid}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf('SC_CLK_TCK')


def alternate(funcs: Dict[str, Callable],
              rounds: int,
              warmup: int,
              device: torch.device,
              worker_pids: Optional[Callable] = None) -> Dict[str, dict]:
    """Time each function once per round, rotating the order every round
    so that machine noise hits all of them alike.

    Returns, per function, the wall-clock seconds (``wall``) and the CPU
    seconds of this process plus ``worker_pids(name)`` (``cpu``). On a
    shared machine the CPU time is the stable measure of the work done.
    """
    names = list(funcs)
    for _ in range(warmup):
        for name in names:
            funcs[name]()
    _sync(device)
    times = {name: dict(wall=[], cpu=[]) for name in names}
    for idx in range(rounds):
        shift = idx % len(names)
        for name in names[shift:] + names[:shift]:
            pids = worker_pids(name) if worker_pids else []
            cpu = time.process_time() + children_cpu_s(pids)
            start = time.perf_counter()
            funcs[name]()
            _sync(device)
            times[name]['wall'].append(time.perf_counter() - start)
            times[name]['cpu'].append(time.process_time() +
                                      children_cpu_s(pids) - cpu)
    return times


# --------------------------------------------------------------- decoding
def bench_decode(root: str, rounds: int) -> Dict[str, dict]:
    """Images/s of ``LoadImageFromFile`` per ``imdecode_backend`` and the
    mean absolute pixel difference of each backend to ``cv2``."""
    from mmcv.transforms import LoadImageFromFile
    train = osp.join(root, 'train')
    files = sorted(
        osp.join(d, f) for d, _, fs in os.walk(train) for f in fs)
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
    times = alternate({k: run(v)
                       for k, v in usable.items()}, rounds, 1,
                      torch.device('cpu'))
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


# --------------------------------------------------------------- loading
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
    elif path not in ('on_device', 'on_device_flip'):
        raise ValueError(f'Unknown loader path {path!r}; expected one of '
                         f'{LOADER_PATHS}.')
    keys = ['rot_label'] if path in ('naive', 'transform') else []
    pipeline.append(dict(type='PackInputs', algorithm_keys=keys))
    return pipeline


def build_loader(root: str, path: str, args: argparse.Namespace,
                 size: int) -> DataLoader:
    dataset = DATASETS.build(
        dict(
            type='ImageNet',
            data_root=root,
            split='train',
            pipeline=build_pipeline(path, size, args.decode_backend)))
    return DataLoader(
        dataset,
        batch_size=args.batch_size,
        num_workers=args.workers,
        collate_fn=default_collate,
        pin_memory=args.device.startswith('cuda'),
        persistent_workers=args.workers > 0,
        drop_last=True)


def _batch_bytes(batch: dict) -> int:
    inputs = batch['inputs']
    views = inputs if isinstance(inputs, list) else [inputs]
    return sum(v.numel() * v.element_size() for v in views)


def bench_loaders(root: str, args: argparse.Namespace, size: int) -> dict:
    """Source images/s per worker, bytes shipped and peak RSS per path."""
    loaders = {p: build_loader(root, p, args, size) for p in LOADER_PATHS}
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
                       for p in loaders}, args.loader_rounds, 1,
                      torch.device('cpu'), pids)
    workers = max(args.workers, 1)
    result = {}
    for path, loader in loaders.items():
        num = len(loader) * args.batch_size
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


# --------------------------------------------------------------- training
def build_model(name: str, size: int, args: argparse.Namespace,
                device: torch.device) -> torch.nn.Module:
    """RotationPred with the named backbone and a matching head."""
    backbone = dict(BACKBONES[name])
    if MODELS.get(backbone['type']) is None:
        raise KeyError(f"Backbone {backbone['type']!r} is not registered.")
    with torch.no_grad():
        probe = MODELS.build(backbone)
        probe.eval()  # some backbones' train() returns None
        channels = probe(torch.zeros(1, 3, size, size))[-1].shape[1]
    preprocessor = dict(
        type='RotationDataPreprocessor', mean=MEAN, std=STD, to_rgb=True)
    if args.channels_last:
        preprocessor['channels_last'] = True
    if args.device_flip:
        preprocessor['flip_prob'] = 0.5
    model = MODELS.build(
        dict(
            type='RotationPred',
            data_preprocessor=preprocessor,
            backbone=backbone,
            head=dict(
                type='RotationHead', num_classes=4, in_channels=channels)))
    model.init_weights()
    model.to(device)
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
    model.train()
    return model


def _autocast(args: argparse.Namespace, device: torch.device):
    if not args.amp:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=getattr(torch, args.amp_dtype))


def bench_train(name: str, size: int, root: str, args: argparse.Namespace,
                device: torch.device) -> dict:
    """Full ``train_step`` vs the bare backbone step, alternated."""
    model = build_model(name, size, args, device)
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(
            model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4))
    optimizer = optim_wrapper.optimizer
    batches = {}
    for path in ('on_device', 'transform'):
        batches[path] = next(iter(build_loader(root, path, args, size)))
    # The bare step gets the very batch the full step makes on the device.
    with torch.no_grad():
        rotated = model.data_preprocessor(batches['on_device'], True)
    bare_input = torch.cat(rotated['inputs']).detach()
    if args.channels_last:
        bare_input = bare_input.contiguous(memory_format=torch.channels_last)

    def full(path):
        def run():
            with _autocast(args, device):
                model.train_step(batches[path], optim_wrapper)
        return run

    def bare():
        with _autocast(args, device):
            loss = model.backbone(bare_input)[-1].float().mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def preprocess():
        # the rotation machinery alone: normalise, rotate, label, stack
        with torch.no_grad():
            data = model.data_preprocessor(batches['on_device'], True)
            model._stack_views(data['inputs'])

    funcs = {
        'bare': bare,
        'full_on_device': full('on_device'),
        'preprocess_only': preprocess
    }
    if args.with_transform_step:
        funcs['full_transform'] = full('transform')
    reset_peak_rss()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    times = alternate(funcs, args.steps, args.warmup, device)
    # CPU steps are judged by CPU time (stable under machine load), CUDA
    # steps by synchronised wall-clock time
    clock = 'cpu' if device.type == 'cpu' else 'wall'
    medians = {k: statistics.median(v[clock]) for k, v in times.items()}
    # each round times both steps back to back: their ratio cancels drift
    paired = [
        f / b for f, b in zip(times['full_on_device'][clock], times['bare']
                              [clock])
    ]
    result = dict(
        images_per_step=args.batch_size,
        rotated_images_per_step=bare_input.shape[0],
        clock=clock,
        step_s=medians,
        wall_step_s={k: statistics.median(v['wall'])
                     for k, v in times.items()},
        ratio_full_vs_bare=medians['full_on_device'] / medians['bare'],
        paired_ratio_full_vs_bare=statistics.median(paired),
        preprocess_share_of_bare=medians['preprocess_only'] /
        medians['bare'],
        peak_rss_mb=peak_rss_mb(),
        peak_device_mb=(torch.cuda.max_memory_allocated(device) / 2**20
                        if device.type == 'cuda' else None),
        all_step_s=times)
    if 'full_transform' in medians:
        result['ratio_transform_vs_bare'] = (
            medians['full_transform'] / medians['bare'])
    return result


# --------------------------------------------------------------- report
def machine_info(device: torch.device) -> dict:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    info = dict(
        cpu=cpu,
        cpu_cores=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        torch=torch.__version__,
        python=platform.python_version(),
        device=str(device))
    if device.type == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(device)
    return info


def format_table(report: dict) -> str:
    lines = []
    decode = report.get('decode') or {}
    if decode:
        lines.append('decode backend   images/s   img/CPU-s   '
                     'mean|diff| vs cv2')
        for name, res in decode.items():
            if res['available']:
                lines.append(f"{name:<14} {res['images_per_s']:>10.1f}   "
                             f"{res['images_per_cpu_s']:>9.1f}   "
                             f"{res['mean_abs_diff_vs_cv2']:.3f}")
            else:
                lines.append(f'{name:<14} {"n/a":>10}   (not installed)')
        lines.append('')
    for run in report['runs']:
        lines.append(f"== {run['backbone']} @ {run['size']} px, "
                     f"{report['settings']['batch_size']} images x 4 "
                     'rotations ==')
        if 'error' in run:
            lines.append(f"skipped: {run['error']}")
            continue
        loader = run['loader']
        lines.append('loader path   img/s/worker  vs naive  img/CPU-s  '
                     'vs naive  KiB/img  main RSS MiB')
        for path in LOADER_PATHS:
            res = loader[path]
            lines.append(
                f"{path:<12} {res['images_per_s_per_worker']:>12.1f}  "
                f"{res.get('speedup_vs_naive_images_per_s', 1.0):>7.2f}x  "
                f"{res['images_per_cpu_s']:>9.1f}  "
                f"{res.get('speedup_vs_naive_images_per_cpu_s', 1.0):>7.2f}x  "
                f"{res['bytes_per_source_image'] / 1024:>7.1f}  "
                f"{res['main_peak_rss_mb']:>11.0f}")
        train = run['train']
        lines.append(f"train step     median {train['clock']} s   vs bare"
                     '   (wall s)')
        for key, sec in train['step_s'].items():
            lines.append(f'{key:<18} {sec:>9.4f}   '
                         f"{sec / train['step_s']['bare']:>6.3f}   "
                         f"({train['wall_step_s'][key]:.4f})")
        mem = (f"ratio full/bare: {train['ratio_full_vs_bare']:.3f} "
               f"(medians), {train['paired_ratio_full_vs_bare']:.3f} "
               f"(paired); preprocessing alone "
               f"{100 * train['preprocess_share_of_bare']:.2f}% of bare; "
               f"peak RSS {train['peak_rss_mb']:.0f} MiB")
        if train['peak_device_mb'] is not None:
            mem += f", peak device {train['peak_device_mb']:.0f} MiB"
        lines.append(mem)
        lines.append('')
    return '\n'.join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--backbone', nargs='+', default=['resnet50'],
        choices=sorted(BACKBONES))
    parser.add_argument(
        '--size', nargs='+', type=int, default=[64],
        help='crop size per backbone (one value applies to all)')
    parser.add_argument('--batch-size', type=int, default=16,
                        help='source images per step (x4 rotated)')
    parser.add_argument('--workers', type=int, default=0,
                        help='DataLoader workers (0: main process)')
    parser.add_argument('--dataset-size', type=int, default=256,
                        help='source JPEGs in the miniature ImageNet')
    parser.add_argument('--source-size', type=int, default=None,
                        help='side of the source JPEGs (default 2x crop)')
    parser.add_argument('--data-root', default=None,
                        help='existing ImageNet-layout root to read instead')
    parser.add_argument('--decode-backend', default='cv2',
                        help='imdecode_backend of the loader paths')
    parser.add_argument('--loader-rounds', type=int, default=5)
    parser.add_argument('--decode-rounds', type=int, default=3,
                        help='rounds of the decoding comparison (0: skip)')
    parser.add_argument('--steps', type=int, default=10,
                        help='timed training steps per variant')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--with-transform-step', action='store_true',
                        help='also time train_step on loader-rotated views')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true',
                        help='autocast (bf16 by default) in both steps')
    parser.add_argument('--amp-dtype', default='bfloat16',
                        choices=['bfloat16', 'float16'])
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--device-flip', action='store_true',
                        help='flip on the device (flip_prob=0.5) in the '
                        'training steps')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=None, help='JSON file to write')
    args = parser.parse_args(argv)
    if len(args.size) not in (1, len(args.backbone)):
        parser.error('give one --size or one per --backbone')
    if args.workers < 0 or args.batch_size < 1:
        parser.error('--workers must be >= 0 and --batch-size >= 1')
    if args.dataset_size < args.batch_size:
        parser.error('--dataset-size must be at least --batch-size')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    # quiet the per-parameter initialisation log
    MMLogger.get_instance('rotation_speed', log_level='WARNING')
    torch.manual_seed(args.seed)
    # denormal gradients make CPU kernels data-dependently slow
    torch.set_flush_denormal(True)
    device = torch.device(args.device)
    sizes = args.size * len(args.backbone) if len(
        args.size) == 1 else args.size
    report = dict(
        machine=machine_info(device),
        settings={k: v
                  for k, v in vars(args).items() if k != 'out'},
        decode=None,
        runs=[])
    with tempfile.TemporaryDirectory() as tmp:
        loader_cache = {}
        for name, size in zip(args.backbone, sizes):
            root = args.data_root
            if root is None:
                source = args.source_size or 2 * size
                root = osp.join(tmp, f'imagenet_{source}')
                if not osp.isdir(root):
                    classes = 4
                    make_imagenet(
                        root,
                        num_classes=classes,
                        train_per_class=-(-args.dataset_size // classes),
                        val_per_class=1,
                        size=source,
                        seed=args.seed)
            if report['decode'] is None and args.decode_rounds > 0:
                report['decode'] = bench_decode(root, args.decode_rounds)
            run = dict(backbone=name, size=size)
            try:
                build_model(name, size, args, torch.device('cpu'))
            except (KeyError, ValueError) as exc:
                run['error'] = str(exc)
                report['runs'].append(run)
                continue
            if (root, size) not in loader_cache:
                loader_cache[(root, size)] = bench_loaders(root, args, size)
            run['loader'] = loader_cache[(root, size)]
            run['train'] = bench_train(name, size, root, args, device)
            report['runs'].append(run)
    print(format_table(report))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=2)
        print(f'wrote {args.out}')
    return report


if __name__ == '__main__':
    main()
