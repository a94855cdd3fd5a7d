# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Side-by-side speed of the VOC07 SVM solvers: batched vs liblinear.

In one run, on VOC07-sized features (5,011 trainval / 4,952 test images,
20 classes, 9,216 dims):

- the features: multi-label "digit scenes" (48 x 48 px; one to three of
  scikit-learn's bundled handwritten digits, 14-26 px, tinted warm for
  classes 0-9 and cool for classes 10-19, on a smooth noisy background;
  digits smaller than 12 px are "difficult", so an image whose only
  instances of a class are small is ignored for it, as VOC does; trainval
  and test draw from disjoint halves of the digits) through a randomly
  initialised mmpretrain ResNet-18, stage 1 output (64 x 12 x 12 = 9,216
  dims, flattened);
- the full protocol (3-fold CV over the costs, final fit, test AP) with
  the batched solver and with liblinear, on all classes
  (``--liblinear-classes N`` runs liblinear on the first N only and
  extrapolates its time per class: per-class work is independent);
- the low-shot grid (k x samples x costs x classes) with both solvers on
  all samples (``--liblinear-samples N``: liblinear on the first N, the
  same draws, extrapolated per sample);
- mAP, per-class AP and chosen costs of both solvers on what both ran,
  and the peak resident memory of the batched runs (the process's peak
  from the start of the batched full protocol to the end of the batched
  low-shot grid, the features included).

Example::

    python tools/speed/svm_speed.py --out \\
        benchmarks/speed/results/cpu_2core/svm_voc07_size.json

See docs/speed.md for the recorded figures.
"""
import argparse
import sys
import time
from typing import Dict, Sequence, Tuple

import numpy as np
import torch
from mmengine.logging import MMLogger
from mmpretrain.models.backbones import ResNet
from PIL import Image

from mmselfsup_rot.downstream import (aggregate_low_shot, low_shot_svm,
                                      svm_benchmark)
from mmselfsup_rot.downstream.low_shot import K_VALUES
from mmselfsup_rot.speed.measure import (machine_info, peak_rss_mb,
                                         reset_peak_rss)
from mmselfsup_rot.speed.report import write_report
from mmselfsup_rot.utils.provenance import provenance

WARM, COOL = np.array([220, 120, 40]), np.array([40, 120, 220])


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-train', type=int, default=5011)
    parser.add_argument('--num-test', type=int, default=4952)
    parser.add_argument('--classes', type=int, default=20)
    parser.add_argument('--size', type=int, default=48, help='image side')
    parser.add_argument('--num-samples', type=int, default=5)
    parser.add_argument(
        '--k-values', nargs='+', type=int, default=list(K_VALUES))
    parser.add_argument(
        '--liblinear-classes',
        type=int,
        default=0,
        help='classes of the liblinear full protocol (0: all)')
    parser.add_argument(
        '--liblinear-samples',
        type=int,
        default=0,
        help='low-shot samples of liblinear (0: all)')
    parser.add_argument('--skip-liblinear', action='store_true')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=None, help='JSON file to write')
    args = parser.parse_args(argv)
    if not 2 <= args.classes <= 20:
        parser.error('--classes must be in 2..20')
    return args


def digit_scenes(num: int, pool: Dict[int,
                                      np.ndarray], rng: np.random.Generator,
                 size: int, num_classes: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(num, size, size, 3)`` uint8 images and ``(num, C)`` 1/0/-1
    targets (present / absent / only difficult instances)."""
    images = np.zeros((num, size, size, 3), np.uint8)
    targets = np.zeros((num, num_classes), np.int64)
    for n in range(num):
        coarse = rng.integers(60, 140, (4, 4, 3)).astype(np.uint8)
        img = np.asarray(
            Image.fromarray(coarse).resize((size, size), Image.BILINEAR),
            np.float32).copy()
        for _ in range(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15])):
            cls = int(rng.integers(num_classes))
            glyphs = pool[cls % 10]
            difficult = rng.random() < 0.12
            side = int(
                rng.integers(8, 12) if difficult else rng.integers(14, 27))
            glyph = np.asarray(
                Image.fromarray(glyphs[rng.integers(len(glyphs))]).resize(
                    (side, side), Image.BICUBIC), np.float32)[..., None] / 255
            tint = (WARM if cls < 10 else COOL) + rng.integers(-30, 31, 3)
            x, y = rng.integers(0, size - side + 1, 2)
            patch = img[y:y + side, x:x + side]
            img[y:y + side, x:x + side] = patch * (1 - glyph) + glyph * tint
            # present wins over difficult, as in the VOC label files
            if not difficult:
                targets[n, cls] = 1
            elif targets[n, cls] == 0:
                targets[n, cls] = -1
        img += rng.normal(0, 6, img.shape)
        images[n] = np.clip(img, 0, 255).astype(np.uint8)
    return images, targets


@torch.no_grad()
def resnet18_features(images: np.ndarray, seed: int) -> np.ndarray:
    """Stage-1 output of a randomly initialised ResNet-18, flattened."""
    torch.manual_seed(seed)
    net = ResNet(depth=18, out_indices=(0, ))
    net.init_weights()
    net.eval()
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    out = []
    for start in range(0, len(images), 256):
        batch = torch.from_numpy(images[start:start + 256]).permute(
            0, 3, 1, 2).float()
        out.append(net((batch - mean) / std)[0].flatten(1).numpy())
    return np.concatenate(out)


def make_features(args) -> Tuple[dict, dict]:
    from sklearn.datasets import load_digits
    digits = load_digits()
    glyphs = (digits.images / 16.0 * 255).round().astype(np.uint8)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(glyphs))
    halves = (order[:len(order) // 2], order[len(order) // 2:])
    start = time.perf_counter()
    data = {}
    for split, num, half in (('trainval', args.num_train, halves[0]),
                             ('test', args.num_test, halves[1])):
        pool = {d: glyphs[half][digits.target[half] == d] for d in range(10)}
        images, targets = digit_scenes(num, pool, rng, args.size, args.classes)
        data[split] = (resnet18_features(images, args.seed), targets)
    info = dict(
        description=(
            'digit scenes (scikit-learn digits, tinted by class group, '
            f'{args.size} px, difficult = digits under 12 px) through a '
            'randomly initialised mmpretrain ResNet-18, stage-1 output '
            'flattened'),
        dims=int(data['trainval'][0].shape[1]),
        num_train=args.num_train,
        num_test=args.num_test,
        classes=args.classes,
        positives_per_class=(data['trainval'][1] == 1).sum(0).tolist(),
        ignored=int((data['trainval'][1] == -1).sum()),
        seconds=round(time.perf_counter() - start, 2))
    return data, info


def _summary(res: dict, seconds: float) -> dict:
    keep = ('mAP', 'ap', 'costs', 'fits', 'unconverged_count', 'unconverged',
            'max_relative_gap', 'newton_iterations_max', 'cg_steps')
    return dict(
        seconds=round(seconds, 2), **{k: res[k]
                                      for k in keep if k in res})


def _low_shot(data: dict, k_values: Sequence[int], num_samples: int,
              costs: Sequence[float], seed: int,
              **solver) -> Tuple[np.ndarray, dict]:
    """The low-shot grid on the first ``num_samples`` samples: the APs and
    its summary (seconds, rows per k, the solver's record)."""
    (train, train_t), (test, test_t) = data['trainval'], data['test']
    record = {}
    aps, sec = _timed(
        low_shot_svm,
        train,
        train_t,
        test,
        test_t,
        k_values,
        num_samples,
        costs,
        seed,
        progress=True,
        record=record,
        **solver)
    return aps, dict(
        seconds=round(sec, 2),
        rows=aggregate_low_shot(aps, k_values, costs),
        **record)


def _timed(func, *args, **kwargs):
    start = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - start


def main(argv=None) -> dict:
    args = parse_args(argv)
    # quiet the per-parameter initialisation log
    MMLogger.get_instance('svm_speed', log_level='WARNING')
    device = torch.device(args.device)
    report = dict(
        **provenance(__file__, sys.argv[1:] if argv is None else argv),
        machine=machine_info(device),
        settings=vars(args))
    data, report['features'] = make_features(args)
    (train, train_t), (test, test_t) = data['trainval'], data['test']
    print(
        f"features: {report['features']['seconds']:.1f} s, "
        f"{report['features']['dims']} dims",
        flush=True)
    costs = (1.0, 10.0, 100.0)
    # the solvers' own peak: the features are resident before and after
    reset_peak_rss()
    full, low = {}, {}
    report['full_protocol'], report['low_shot'] = full, low
    res, sec = _timed(
        svm_benchmark,
        train,
        train_t,
        test,
        test_t,
        costs,
        solver='batched',
        device=args.device,
        progress=True)
    full['batched'] = _summary(res, sec)
    print(
        f'batched full protocol: {sec:.1f} s, mAP {res["mAP"]:.2f}',
        flush=True)
    aps, low['batched'] = _low_shot(
        data,
        args.k_values,
        args.num_samples,
        costs,
        args.seed,
        solver='batched',
        device=args.device)
    sec = low['batched']['seconds']
    print(f'batched low-shot grid: {sec:.1f} s', flush=True)
    report['batched_peak_rss_mb'] = round(peak_rss_mb(), 1)
    if device.type == 'cuda':
        report['batched_peak_device_mb'] = round(
            torch.cuda.max_memory_allocated(device) / 2**20, 1)
    write_report(report, args.out)
    if not args.skip_liblinear:
        ncls = args.liblinear_classes or args.classes
        ref, sec = _timed(
            svm_benchmark,
            train,
            train_t[:, :ncls],
            test,
            test_t[:, :ncls],
            costs,
            solver='liblinear',
            progress=True)
        full['liblinear'] = _summary(ref, sec)
        full['liblinear']['classes_run'] = ncls
        full['liblinear']['seconds_extrapolated'] = round(
            sec * args.classes / ncls, 2)
        ours = full['batched']
        full['comparison'] = dict(
            classes=ncls,
            max_abs_ap_diff=float(
                np.abs(np.subtract(ours['ap'][:ncls], ref['ap'])).max()),
            map_diff_on_common_classes=float(
                np.mean(ours['ap'][:ncls]) - ref['mAP']),
            costs_equal=ours['costs'][:ncls] == ref['costs'],
            speedup=round(
                full['liblinear']['seconds_extrapolated'] / ours['seconds'],
                2))
        nsam = args.liblinear_samples or args.num_samples
        ref_aps, low['liblinear'] = _low_shot(
            data, args.k_values, nsam, costs, args.seed, solver='liblinear')
        low['liblinear'].update(
            samples_run=nsam,
            seconds_extrapolated=round(
                low['liblinear']['seconds'] * args.num_samples / nsam, 2))
        same = aggregate_low_shot(aps[:nsam], args.k_values, costs)
        low['comparison'] = dict(
            samples=nsam,
            max_abs_ap_diff=float(100 * np.abs(aps[:nsam] - ref_aps).max()),
            max_abs_map_diff=float(
                max(
                    abs(a['mean'] - b['mean'])
                    for a, b in zip(same, low['liblinear']['rows']))),
            test_selected_costs_equal=[a['cost'] for a in same] == [
                b['cost'] for b in low['liblinear']['rows']
            ],
            speedup=round(
                low['liblinear']['seconds_extrapolated'] /
                low['batched']['seconds'], 2))
    print_table(report)
    write_report(report, args.out)
    return report


def print_table(report: dict) -> None:
    for name, part in (('full protocol', report['full_protocol']),
                       ('low-shot grid', report['low_shot'])):
        print(f'== {name} ==')
        for solver in ('batched', 'liblinear'):
            if solver not in part:
                continue
            res = part[solver]
            extra = ''
            if 'seconds_extrapolated' in res:
                extra = f" (extrapolated {res['seconds_extrapolated']:.1f} s)"
            print(f"{solver:<10} {res['seconds']:>9.1f} s{extra}; "
                  f"{res.get('unconverged_count', 0)} of {res.get('fits')} "
                  'fits hit the iteration limit')
        if 'comparison' in part:
            print('comparison:', part['comparison'])
    print(f"batched peak RSS {report['batched_peak_rss_mb']:.0f} MiB")


if __name__ == '__main__':
    main()
