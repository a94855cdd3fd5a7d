# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""GPU acceptance check: one command, one CUDA GPU, about 8 minutes.

Runs, on generated miniatures, and reports as ``OUT/gpu_check.json`` plus
a printed table (``OUT/gpu_check.txt``):

- ``ops``: mmcv's ``nms``, ``batched_nms`` and ``RoIAlign`` on CUDA
  tensors against torchvision's and the CPU kernels;
- ``throughput``: RotNet ResNet-50 at 224 px, 16 images x 4 rotations,
  fp32 / AMP fp16 / AMP bf16 + channels_last: full train step vs the bare
  backbone step, peak GPU memory;
- ``data_bound``: the recipe's loader with 8 workers vs the GPU step;
- ``nccl_syncbn``: one torchrun process on NCCL, SyncBN kept;
- ``train`` / ``test``: 200 AMP iterations of ``tools/train.py`` with the
  main config, then ``tools/test.py`` on the checkpoint;
- ``transfer_det`` / ``transfer_seg``: 20 iterations of the VOC C4 Faster
  R-CNN and VOC12aug FCN transfers through the launcher.

The report is rewritten before each section (``complete: false``, the
sections not yet finished recorded as not run), so a run that hangs or is
stopped (SIGTERM, e.g. by ``timeout``) leaves the sections before it.

Exit status: 0 when every section passed and every target was met, 1
otherwise, 2 when no CUDA GPU is available (one line on stderr, before
anything heavy is imported). Example::

    python tools/gpu_check.py --out work_dirs/gpu_check

``--cpu-rehearsal`` needs no GPU: it loads every config the check uses
(the transfer configs' ``mmdet::``/``mmseg::`` bases included) and runs
train, test and both transfers for a few iterations on tiny images on the
CPU, through the same code, to check an environment (an offline bundle)
before a GPU is lent.

See docs/speed.md ("GPU acceptance check").
"""
import argparse
import os.path as osp
import sys
import warnings
from typing import Optional

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog='sections, in order: ops, throughput, data_bound, '
        'nccl_syncbn, train, test, transfer_det, transfer_seg')
    parser.add_argument(
        '--out',
        default=osp.join('work_dirs', 'gpu_check'),
        help='output folder (report, table, logs)')
    parser.add_argument(
        '--budget',
        type=float,
        help='wall-time budget of the whole check in seconds (default 480; '
        '1380 with --cpu-rehearsal)')
    parser.add_argument(
        '--only', nargs='+', metavar='SECTION', help='run only these sections')
    parser.add_argument(
        '--keep-work',
        action='store_true',
        help='keep the miniatures and training runs in OUT/work')
    parser.add_argument(
        '--cpu-rehearsal',
        action='store_true',
        help='no GPU needed: load every config and run train, test and '
        'both transfers for a few iterations on the CPU (checks an '
        'environment such as an offline bundle; never recorded)')
    parser.add_argument(
        '--record',
        action='store_true',
        help='also write the report to '
        'benchmarks/speed/results/<gpu>/gpu_check.{json,txt}')
    args = parser.parse_args(argv)
    if args.budget is None:
        args.budget = 1380.0 if args.cpu_rehearsal else 480.0
    if args.budget <= 0:
        parser.error('--budget must be positive')
    if args.cpu_rehearsal and args.record:
        parser.error('--record needs the GPU check, not --cpu-rehearsal')
    return args


def cuda_refusal() -> Optional[str]:
    """The one-line reason this machine cannot run the check, or None."""
    try:
        import torch
    except ImportError as exc:
        return f'gpu_check: needs torch with CUDA ({exc})'
    build = f'torch {torch.__version__}'
    if torch.version.cuda is None:
        return f'gpu_check: needs a CUDA GPU ({build} is a build without CUDA)'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        available = torch.cuda.is_available()
    if available:
        return None
    detail = f'torch.cuda.is_available() is False; {build}'
    if caught:
        detail += f'; {str(caught[0].message).splitlines()[0]}'
    return f'gpu_check: needs a CUDA GPU ({detail})'


def main(argv=None) -> int:
    args = parse_args(argv)
    refusal = None if args.cpu_rehearsal else cuda_refusal()
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    sys.path.insert(0, REPO)  # this checkout's package, not another one
    from tools.speed.gpu_check import (REHEARSAL_NAMES, SECTION_NAMES, Stopped,
                                       run_gpu_check)
    names = REHEARSAL_NAMES if args.cpu_rehearsal else SECTION_NAMES
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        print(
            f'gpu_check: unknown section(s) {", ".join(unknown)}; choose '
            f'from {", ".join(names)}',
            file=sys.stderr)
        return 2
    out = osp.abspath(args.out)
    try:
        report = run_gpu_check(
            REPO,
            out,
            budget_s=args.budget,
            only=args.only,
            keep_work=args.keep_work,
            record=args.record,
            cpu_rehearsal=args.cpu_rehearsal,
            command=' '.join([osp.relpath(__file__, REPO)] +
                             list(sys.argv[1:] if argv is None else argv)))
    except Stopped as exc:
        print(
            f'gpu_check: {exc}; the sections before are in '
            f'{osp.join(out, "gpu_check.json")}',
            file=sys.stderr)
        return 1
    return 0 if report['summary']['accepted'] else 1


if __name__ == '__main__':
    sys.exit(main())
