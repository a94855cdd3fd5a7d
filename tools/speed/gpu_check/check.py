# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The GPU acceptance check: its sections in order, each isolated (an
error is recorded and the next section runs) and under its own time
budget, the budgets together within the whole check's (8 minutes), into
one report (JSON + printed table)."""
import datetime
import importlib
import json
import os
import os.path as osp
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from typing import Callable, Dict, NamedTuple, Optional, Sequence

import torch
from mmengine.logging import MMLogger
from mmpretrain.utils import register_all_modules

from mmselfsup_rot.speed.measure import machine_info
from .context import BudgetExceeded, Context, Outcome, SkipCheck
from .data_bound import check_data_bound
from .nccl_syncbn import check_nccl_syncbn
from .ops import check_ops, mmcv_cuda_ops
from .report import (SCHEMA, ReportError, format_table, make_target, summarize,
                     write_report)
from .throughput import check_throughput
from .training import (check_test, check_train, check_transfer_det,
                       check_transfer_seg)

#: The whole check's wall-time budget in seconds (8 minutes).
BUDGET_S = 480.0
#: Where recorded reports go, one folder per GPU model.
RESULTS_DIR = osp.join('benchmarks', 'speed', 'results')


class Section(NamedTuple):
    name: str
    title: str
    budget_s: float
    run: Callable[[Context], Outcome]


#: In order; the budgets add up to 460 s, leaving 20 s of the whole
#: check's 480 s for start-up and the report.
SECTIONS = (
    Section('ops', 'mmcv CUDA ops vs torchvision and the CPU', 20, check_ops),
    Section('throughput',
            'RotNet R50 224 px: full step vs bare backbone, 3 precisions', 80,
            check_throughput),
    Section('data_bound', 'recipe loader (8 workers) vs the GPU step', 45,
            check_data_bound),
    Section('nccl_syncbn', 'torchrun, 1 process, NCCL, SyncBN kept', 45,
            check_nccl_syncbn),
    Section('train', 'tools/train.py, main config, AMP, 200 iterations', 90,
            check_train),
    Section('test', 'tools/test.py on the checkpoint', 40, check_test),
    Section('transfer_det', 'VOC0712 Faster R-CNN C4, 20 iterations', 70,
            check_transfer_det),
    Section('transfer_seg', 'VOC12aug FCN R50-D8, 20 iterations', 70,
            check_transfer_seg),
)
SECTION_NAMES = tuple(s.name for s in SECTIONS)


def _version(module: str) -> Optional[str]:
    try:
        return importlib.import_module(module).__version__
    except Exception:  # not installed, or broken: reported as absent
        return None


def versions(mmcv_ops: str) -> Dict[str, Optional[str]]:
    """The software stack, in the order the table prints it."""
    nccl = torch.cuda.nccl.version()
    return dict(
        python=platform.python_version(),
        torch=torch.__version__,
        cuda=torch.version.cuda,
        cudnn=str(torch.backends.cudnn.version()),
        nccl='.'.join(map(str, nccl))
        if isinstance(nccl, tuple) else str(nccl),
        torchvision=_version('torchvision'),
        mmcv=_version('mmcv'),
        mmcv_ops=mmcv_ops,
        mmengine=_version('mmengine'),
        mmpretrain=_version('mmpretrain'),
        mmdet=_version('mmdet'),
        mmseg=_version('mmseg'),
        mmselfsup_rot=_version('mmselfsup_rot'),
        numpy=_version('numpy'))


def _driver() -> Optional[str]:
    try:
        out = subprocess.run([
            'nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'
        ],
                             capture_output=True,
                             text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip().splitlines()[0] if out.returncode == 0 \
        and out.stdout.strip() else None


def gpu_facts() -> dict:
    """The host (``machine_info``) and the first GPU."""
    device = torch.device('cuda', 0)
    props = torch.cuda.get_device_properties(device)
    info = machine_info(device)
    info.update(
        capability=f'sm_{props.major}{props.minor}',
        memory_gib=round(props.total_memory / 2**30, 1),
        multiprocessors=props.multi_processor_count,
        gpu_count=torch.cuda.device_count(),
        driver=_driver())
    return info


def results_folder(gpu: str) -> str:
    """``benchmarks/speed/results/<gpu>`` folder name of a GPU model,
    e.g. ``nvidia_h200`` for ``NVIDIA H200``."""
    return re.sub(r'[^a-z0-9]+', '_', gpu.lower()).strip('_') or 'gpu'


def git_commit(repo: str) -> Optional[str]:
    try:
        out = subprocess.run(['git', 'rev-parse', 'HEAD'],
                             cwd=repo,
                             capture_output=True,
                             text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def run_section(ctx: Context, section: Section, budget_s: float) -> dict:
    """Run one section; its errors become a failed check."""
    ctx.start_section(section.name, budget_s)
    start = time.perf_counter()
    record = dict(
        name=section.name,
        title=section.title,
        status='pass',
        summary='',
        reason=None,
        wall_s=0.0,
        budget_s=float(budget_s),
        figures={},
        targets=[])
    try:
        ctx.check_budget(section.name)
        outcome = section.run(ctx)
    except SkipCheck as exc:
        record.update(status='skip', summary='skipped', reason=str(exc))
    except BudgetExceeded as exc:
        record.update(
            status='fail',
            summary='over budget',
            reason=f'over its {budget_s:.0f} s budget: {exc}')
    except Exception as exc:
        log = osp.join(ctx.out_dir, 'logs', f'{section.name}-error.log')
        os.makedirs(osp.dirname(log), exist_ok=True)
        with open(log, 'w') as f:
            f.write(traceback.format_exc())
        first = str(exc).strip().splitlines()
        record.update(
            status='fail',
            summary='error',
            reason=f"{type(exc).__name__}: {first[0] if first else ''} "
            f'(traceback: {log})')
    else:
        record.update(
            summary=outcome.summary,
            # plain JSON types (numpy scalars and the like as text)
            figures=json.loads(json.dumps(outcome.figures, default=str)),
            targets=outcome.targets)
        if outcome.table is not None:
            record['table'] = outcome.table
        if outcome.failures:
            record.update(status='fail', reason='; '.join(outcome.failures))
    record['wall_s'] = time.perf_counter() - start
    if record['status'] == 'pass' and record['wall_s'] > budget_s:
        record.update(
            status='fail',
            reason=f"took {record['wall_s']:.0f} s, over its "
            f'{budget_s:.0f} s budget')
    return record


def run_gpu_check(repo: str,
                  out_dir: str,
                  budget_s: float = BUDGET_S,
                  only: Optional[Sequence[str]] = None,
                  keep_work: bool = False,
                  record: bool = False,
                  command: str = '') -> dict:
    """Run the sections (``only`` those named, in the usual order), print
    the table and write ``OUT/gpu_check.json`` and ``OUT/gpu_check.txt``.

    Args:
        repo (str): Root of the checkout.
        out_dir (str): Output folder.
        budget_s (float): The whole check's wall-time budget; each
            section gets its own budget, cut to what is left of this.
        only (Sequence[str], optional): Section names to run.
        keep_work (bool): Keep the miniatures and runs in ``OUT/work``
            instead of a temporary folder.
        record (bool): Also copy the report into
            ``benchmarks/speed/results/<gpu>/`` of the checkout.
        command (str): The command line, for the report.

    Returns:
        dict: The report.
    """
    start = time.perf_counter()
    register_all_modules(init_default_scope=True)
    # the speed probes build models in this process: no per-layer logs
    MMLogger.get_instance('gpu_check', log_level='WARNING')
    unknown = sorted(set(only or ()) - set(SECTION_NAMES))
    if unknown:
        raise ValueError(f'unknown section(s) {unknown}; choose from '
                         f'{list(SECTION_NAMES)}')
    os.makedirs(out_dir, exist_ok=True)
    if keep_work:
        work_dir = osp.join(out_dir, 'work')
        shutil.rmtree(work_dir, ignore_errors=True)
        os.makedirs(work_dir)
    else:
        work_dir = tempfile.mkdtemp(prefix='gpu_check_')
    ctx = Context(repo, out_dir, work_dir)
    available, detail = mmcv_cuda_ops()
    ctx.shared.update(mmcv_cuda_ops=available, mmcv_ops_detail=detail)
    if not available:
        print(
            f'gpu_check: {detail}; the ops and transfer_det sections are '
            'skipped',
            file=sys.stderr,
            flush=True)
    machine = gpu_facts()
    checks = []
    try:
        for section in SECTIONS:
            if only and section.name not in only:
                continue
            left = budget_s - (time.perf_counter() - start)
            res = run_section(ctx, section,
                              max(min(section.budget_s, left), 0))
            checks.append(res)
            line = f"[gpu_check] {res['name']}: {res['status']} " \
                f"({res['wall_s']:.1f} s) {res['summary']}"
            if res['reason']:
                line += f" -- {res['reason']}"
            print(line, flush=True)
    finally:
        if not keep_work:
            shutil.rmtree(work_dir, ignore_errors=True)
    wall_s = time.perf_counter() - start
    targets = [
        make_target('wall_time', 'whole check, wall-clock seconds', wall_s,
                    '<=', budget_s)
    ]
    report = dict(
        schema=SCHEMA,
        created=datetime.datetime.now(
            datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        command=command,
        commit=git_commit(repo),
        machine=machine,
        versions=versions(detail if available else 'no CUDA kernels'),
        budget_s=float(budget_s),
        wall_s=wall_s,
        checks=checks,
        targets=targets,
        summary=summarize(checks, targets))
    table = format_table(report)
    paths = [osp.join(out_dir, 'gpu_check.json')]
    if record:
        paths.append(
            osp.join(repo, RESULTS_DIR, results_folder(machine['gpu']),
                     'gpu_check.json'))
    for path in paths:
        try:
            write_report(report, path)
        except ReportError:
            # keep what was measured for the bug report, then fail loudly
            with open(osp.splitext(path)[0] + '.invalid.json', 'w') as f:
                json.dump(report, f, indent=2, default=str)
            raise
        with open(osp.splitext(path)[0] + '.txt', 'w') as f:
            f.write(table + '\n')
    print(table)
    print('wrote ' + ', '.join(paths))
    return report
