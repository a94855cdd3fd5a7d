# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Data-parallel scaling check through ``tools/dist_train.sh``.

Trains the ResNet recipe with 1 process (plain ``tools/train.py``) and with
2, ... processes (``tools/dist_train.sh``) on the same *total*
batch (each process gets ``total / P`` images) and the same sample order,
and compares the loss of the whole batch (``global_loss``, averaged over the
processes) step by step, plus the median step time per process count.

With ``--norm GN`` the maths of P processes equals one process up to float
rounding (DDP averages per-process mean gradients). With ``--norm BN`` each
process normalises with its own share of the batch, so the curves differ
slightly; see docs/speed.md.

Example::

    python tools/speed/dist_scaling.py --procs 1 2 --norm GN \\
        --out work_dirs/speed/scaling.json
"""
import argparse
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
from typing import List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE_CFG = osp.join(REPO, 'configs',
                    'rotation-pred_resnet50_8xb16-steplr-70e_in1k.py')

CONFIG = """_base_ = {base!r}
model = dict(
    # no random flip: N processes must see the images one process sees
    data_preprocessor=dict(flip_prob=0.),
    backbone=dict(depth={depth}, norm_cfg={norm!r}),
    head=dict(in_channels={channels}))
train_dataloader = dict(
    batch_size={per_proc},
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
    dataset=dict(
        data_root={root!r},
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=({size}, {size})),
            dict(type='PackInputs'),
        ]))
optim_wrapper = dict(optimizer=dict(lr={lr}))
custom_imports = dict(
    imports=['mmselfsup_rot'],
    allow_failed_imports=False)
custom_hooks = [dict(type='EpochSeedHook'), dict(type='GlobalLossHook')]
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval={epochs}))
log_processor = dict(window_size=1)
train_cfg = dict(max_epochs={epochs})
randomness = dict(seed=0, deterministic=True)
"""


def write_config(path: str, args: argparse.Namespace, procs: int) -> None:
    if args.total_batch % procs:
        raise ValueError(f'--total-batch {args.total_batch} is not divisible '
                         f'by {procs} processes.')
    norm = (
        dict(type='GN', num_groups=8, requires_grad=True)
        if args.norm == 'GN' else dict(type='BN', requires_grad=True))
    channels = 512 if args.depth in (18, 34) else 2048
    with open(path, 'w') as f:
        f.write(
            CONFIG.format(
                base=BASE_CFG,
                depth=args.depth,
                norm=norm,
                channels=channels,
                per_proc=args.total_batch // procs,
                root=args.data_root,
                size=args.size,
                lr=args.lr,
                epochs=args.epochs))


def run(procs: int, args: argparse.Namespace, work: str) -> dict:
    """Train with ``procs`` processes; return the per-step log."""
    from mmselfsup_rot.utils.launch import free_port
    from mmselfsup_rot.utils.logs import read_scalars
    cfg = osp.join(work, f'scaling_{procs}p.py')
    write_config(cfg, args, procs)
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    # dist_train.sh calls `python`: make it this interpreter
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PORT'] = str(free_port() if args.port is None else args.port + procs)
    env.setdefault('OMP_NUM_THREADS', '1')
    work_dir = osp.join(work, f'{procs}p')
    if procs == 1:  # the plain single-process run, no launcher
        cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), cfg]
    else:
        cmd = [
            'bash',
            osp.join(REPO, 'tools', 'dist_train.sh'), cfg,
            str(procs)
        ]
    proc = subprocess.run(
        cmd + ['--work-dir', work_dir],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'dist_train.sh with {procs} process(es) failed:'
                           f'\n{proc.stdout[-4000:]}')
    records = [r for r in read_scalars(work_dir) if 'global_loss' in r]
    times = [r['time'] for r in records[1:] if 'time' in r]
    return dict(
        procs=procs,
        images_per_proc=args.total_batch // procs,
        global_loss=[r['global_loss'] for r in records],
        rank0_loss=[r['loss'] for r in records],
        median_step_s=statistics.median(times) if times else None)


def compare(runs: List[dict]) -> dict:
    """Largest step-wise loss difference of each run to the first."""
    ref = runs[0]['global_loss']
    out = {}
    for res in runs[1:]:
        if len(res['global_loss']) != len(ref):
            raise RuntimeError('Runs logged different numbers of steps: '
                               f"{len(ref)} vs {len(res['global_loss'])}.")
        out[f"{res['procs']}p_vs_{runs[0]['procs']}p"] = max(
            abs(a - b) for a, b in zip(ref, res['global_loss']))
    return out


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--procs', nargs='+', type=int, default=[1, 2])
    parser.add_argument('--norm', choices=['GN', 'BN'], default='GN')
    parser.add_argument('--depth', type=int, default=18)
    parser.add_argument('--size', type=int, default=32)
    parser.add_argument('--total-batch', type=int, default=8)
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--lr', type=float, default=0.05)
    parser.add_argument(
        '--data-root',
        default=None,
        help='ImageNet-layout root (default: generated)')
    parser.add_argument(
        '--num-images',
        type=int,
        default=16,
        help='images of the generated dataset')
    parser.add_argument(
        '--port',
        type=int,
        default=None,
        help='rendezvous port of the multi-process runs (default: a free '
        'one per run)')
    parser.add_argument('--work-dir', default=None)
    parser.add_argument('--out', default=None, help='JSON file to write')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work_dir or tmp
        os.makedirs(work, exist_ok=True)
        if args.data_root is None:
            from mmselfsup_rot.datasets.miniature import make_imagenet
            args.data_root = make_imagenet(
                osp.join(work, 'imagenet'),
                num_classes=2,
                train_per_class=args.num_images // 2,
                val_per_class=1,
                size=args.size + 8)
        runs = [run(p, args, work) for p in args.procs]
    import torch

    from mmselfsup_rot.speed.measure import machine_info
    from mmselfsup_rot.utils.provenance import provenance
    report = dict(
        **provenance(__file__, sys.argv[1:] if argv is None else argv),
        machine=machine_info(torch.device('cpu')),
        settings={
            k: v
            for k, v in vars(args).items() if k != 'out'
        },
        runs=runs,
        max_abs_loss_diff=compare(runs))
    print('procs  images/proc  median step s  global loss per step')
    for res in runs:
        step = res['median_step_s']
        losses = ' '.join(f'{v:.4f}' for v in res['global_loss'])
        print(f"{res['procs']:>5}  {res['images_per_proc']:>11}  "
              f"{step if step is None else round(step, 4)!s:>13}  {losses}")
    print('max |loss difference|:', report['max_abs_loss_diff'])
    from mmselfsup_rot.speed.report import write_report
    write_report(report, args.out)
    return report


if __name__ == '__main__':
    main()
