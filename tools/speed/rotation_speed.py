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
- peak host memory (RSS) and, on CUDA, peak device memory;
- with ``--online-probe``, the full step with online linear probes on every
  ResNet stage (1000 classes) against the same step without them
  (``full_probe`` vs ``full_on_device``): time alternated step by step,
  peak memory of each variant in its own process.

Example::

    python tools/speed/rotation_speed.py --backbone resnet50 \\
        --size 64 --out work_dirs/speed/resnet50_64.json

See docs/speed.md for the recorded figures.
"""
import argparse
import os.path as osp
import sys
import tempfile

import torch
from mmengine.logging import MMLogger
from mmpretrain.utils import register_all_modules

import mmselfsup_rot  # noqa: F401  (registers the project's modules)
from mmselfsup_rot.datasets.miniature import make_imagenet
from mmselfsup_rot.speed.loaders import bench_decode, bench_loaders
from mmselfsup_rot.speed.measure import machine_info
from mmselfsup_rot.speed.report import format_table, write_report
from mmselfsup_rot.speed.settings import SpeedSettings
from mmselfsup_rot.speed.train_step import (BACKBONES, bench_online_probe,
                                            bench_train, build_model)
from mmselfsup_rot.utils.provenance import provenance


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--backbone',
        nargs='+',
        default=['resnet50'],
        choices=sorted(BACKBONES))
    parser.add_argument(
        '--size',
        nargs='+',
        type=int,
        default=[64],
        help='crop size per backbone (one value applies to all)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=16,
        help='source images per step (x4 rotated)')
    parser.add_argument(
        '--workers',
        type=int,
        default=0,
        help='DataLoader workers (0: main process)')
    parser.add_argument(
        '--dataset-size',
        type=int,
        default=256,
        help='source JPEGs in the miniature ImageNet')
    parser.add_argument(
        '--source-size',
        type=int,
        default=None,
        help='side of the source JPEGs (default 2x crop)')
    parser.add_argument(
        '--data-root',
        default=None,
        help='existing ImageNet-layout root to read instead')
    parser.add_argument(
        '--decode-backend',
        default='cv2',
        help='imdecode_backend of the loader paths')
    parser.add_argument('--loader-rounds', type=int, default=5)
    parser.add_argument(
        '--decode-rounds',
        type=int,
        default=3,
        help='rounds of the decoding comparison (0: skip)')
    parser.add_argument(
        '--steps',
        type=int,
        default=10,
        help='timed training steps per variant')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument(
        '--with-transform-step',
        action='store_true',
        help='also time train_step on loader-rotated views')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='autocast (bf16 by default) in both steps')
    parser.add_argument(
        '--amp-dtype', default='bfloat16', choices=['bfloat16', 'float16'])
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument(
        '--device-flip',
        action='store_true',
        help='flip on the device (flip_prob=0.5) in the '
        'training steps')
    parser.add_argument(
        '--online-probe',
        action='store_true',
        help='also measure the step with online probes on every stage '
        '(ResNets)')
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


def online_probe_line(run: dict) -> str:
    """The online-probe row: step time and peak memory, probe vs none."""
    res = run['online_probe']
    line = (
        f"online probes ({run['backbone']}, stages "
        f"{res['probe']['stages']}): step "
        f"{res['ratio_probe_vs_full']:.3f}x (medians), "
        f"{res['paired_ratio_probe_vs_full']:.3f}x (paired) of "
        f"full_on_device; peak RSS {res['peak_rss_ratio_probe_vs_full']:.3f}x"
        f" ({res['memory']['full_probe']['peak_rss_mb']:.0f} vs "
        f"{res['memory']['full_on_device']['peak_rss_mb']:.0f} MiB)")
    if 'peak_device_ratio_probe_vs_full' in res:
        line += (f', peak device '
                 f"{res['peak_device_ratio_probe_vs_full']:.3f}x")
    return line


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    # quiet the per-parameter initialisation log
    MMLogger.get_instance('rotation_speed', log_level='WARNING')
    torch.manual_seed(args.seed)
    # denormal gradients make CPU kernels data-dependently slow
    torch.set_flush_denormal(True)
    device = torch.device(args.device)
    settings = SpeedSettings.from_options(vars(args))
    sizes = args.size * len(args.backbone) if len(
        args.size) == 1 else args.size
    report = dict(
        **provenance(__file__, sys.argv[1:] if argv is None else argv),
        machine=machine_info(device),
        settings={
            k: v
            for k, v in vars(args).items() if k != 'out'
        },
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
                build_model(name, size, settings, torch.device('cpu'))
            except (KeyError, ValueError) as exc:
                run['error'] = str(exc)
                report['runs'].append(run)
                continue
            if (root, size) not in loader_cache:
                loader_cache[(root,
                              size)] = bench_loaders(root, settings, size)
            run['loader'] = loader_cache[(root, size)]
            run['train'] = bench_train(name, size, root, settings, device)
            if args.online_probe:
                run['online_probe'] = bench_online_probe(
                    name, size, root, settings, device)
            report['runs'].append(run)
    print(format_table(report))
    for run in report['runs']:
        if 'online_probe' in run:
            print(online_probe_line(run))
    write_report(report, args.out)
    return report


if __name__ == '__main__':
    main()
