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
import signal
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
from mmselfsup_rot.utils.provenance import git_commit
from .configs import check_configs
from .context import (CPU_REHEARSAL, GPU_SCALE, BudgetExceeded, Context,
                      Outcome, SkipCheck)
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
#: ``--cpu-rehearsal``: what runs without CUDA, at :data:`CPU_REHEARSAL`
#: scale (generous budgets: a shared CPU).
REHEARSAL_SECTIONS = (
    Section('configs', 'every config loads, incl. mmdet::/mmseg:: bases', 120,
            check_configs),
    Section('train', 'tools/train.py, main config, 4 iterations on the CPU',
            300, check_train),
    Section('test', 'tools/test.py on the checkpoint, on the CPU', 120,
            check_test),
    Section('transfer_det', 'VOC0712 Faster R-CNN C4, 2 iterations on the '
            'CPU', 420, check_transfer_det),
    Section('transfer_seg', 'VOC12aug FCN R50-D8, 2 iterations on the CPU',
            420, check_transfer_seg),
)
REHEARSAL_NAMES = tuple(s.name for s in REHEARSAL_SECTIONS)


def _version(module: str) -> Optional[str]:
    try:
        return importlib.import_module(module).__version__
    except Exception:  # not installed, or broken: reported as absent
        return None


def versions(mmcv_ops: str) -> Dict[str, Optional[str]]:
    """The software stack, in the order the table prints it."""
    try:
        nccl = torch.cuda.nccl.version()
    except Exception:  # no NCCL in this build (or no CUDA at all)
        nccl = None
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


def run_section(ctx: Context, section: Section, budget_s: float) -> dict:
    """Run one section; its errors become a failed check."""
    ctx.start_section(section.name, budget_s)
    start = time.perf_counter()
    record = section_record(section, 'pass', '', None, budget_s)
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


class Stopped(BaseException):
    """SIGTERM (``timeout``, a batch system) arrived during the check."""


def _raise_stopped(signum, frame):
    raise Stopped(f'stopped by signal {signum}')


def _probe(what: str, func: Callable, fallback):
    """``func()``, or ``fallback(reason)`` when it raises: the check goes on
    and the report says why."""
    try:
        return func()
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [''])[0]
        return fallback(f'{what} failed: {type(exc).__name__}: {first}')


def _no_cuda_ops(why: str) -> tuple:
    return False, why


def _unknown_gpu(why: str) -> dict:
    return dict(gpu='unknown', error=why)


def _torch_only(why: str) -> dict:
    return dict(torch=torch.__version__, error=why)


def section_record(section: Section, status: str, summary: str,
                   reason: Optional[str], budget_s: float) -> dict:
    """A section's report entry before any time or figure is added."""
    return dict(
        name=section.name,
        title=section.title,
        status=status,
        summary=summary,
        reason=reason,
        wall_s=0.0,
        budget_s=float(budget_s),
        figures={},
        targets=[])


def pending_record(section: Section, reason: str) -> dict:
    """The record of a section that has not finished (yet)."""
    return section_record(section, 'skip', 'not run', reason, section.budget_s)


def run_gpu_check(repo: str,
                  out_dir: str,
                  budget_s: float = BUDGET_S,
                  only: Optional[Sequence[str]] = None,
                  keep_work: bool = False,
                  record: bool = False,
                  command: str = '',
                  cpu_rehearsal: bool = False) -> dict:
    """Run the sections (``only`` those named, in the usual order), print
    the table and write ``OUT/gpu_check.json`` and ``OUT/gpu_check.txt``.

    The report is also written before each section, with that section and
    the later ones recorded as not run: a run that hangs or is killed
    leaves the report of the sections before (``complete`` is False).

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
        cpu_rehearsal (bool): Run :data:`REHEARSAL_SECTIONS` on the CPU
            at :data:`CPU_REHEARSAL` scale instead (an environment check
            without a GPU; the report is never recorded).

    Returns:
        dict: The report.
    """
    start = time.perf_counter()
    sections = REHEARSAL_SECTIONS if cpu_rehearsal else SECTIONS
    names = tuple(s.name for s in sections)
    created = datetime.datetime.now(
        datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    register_all_modules(init_default_scope=True)
    # the speed probes build models in this process: no per-layer logs
    MMLogger.get_instance('gpu_check', log_level='WARNING')
    unknown = sorted(set(only or ()) - set(names))
    if unknown:
        raise ValueError(f'unknown section(s) {unknown}; choose from '
                         f'{list(names)}')
    os.makedirs(out_dir, exist_ok=True)
    if keep_work:
        work_dir = osp.join(out_dir, 'work')
        shutil.rmtree(work_dir, ignore_errors=True)
        os.makedirs(work_dir)
    else:
        work_dir = tempfile.mkdtemp(prefix='gpu_check_')
    ctx = Context(repo, out_dir, work_dir,
                  CPU_REHEARSAL if cpu_rehearsal else GPU_SCALE)
    available, detail = _probe('the mmcv ops probe', mmcv_cuda_ops,
                               _no_cuda_ops)
    ctx.shared.update(mmcv_cuda_ops=available, mmcv_ops_detail=detail)
    if not available and not cpu_rehearsal:
        print(
            f'gpu_check: {detail}; the ops and transfer_det sections are '
            'skipped',
            file=sys.stderr,
            flush=True)
    if cpu_rehearsal:
        machine = dict(
            machine_info(torch.device('cpu')), gpu='none (CPU rehearsal)')
    else:
        machine = _probe('gpu_facts()', gpu_facts, _unknown_gpu)
    ops = detail if available else 'no CUDA kernels'
    stack = _probe('versions()', lambda: versions(ops), _torch_only)
    todo = [s for s in sections if not only or s.name in only]
    checks: list = []

    def report_now(running: Optional[Section] = None,
                   stopped: bool = False) -> dict:
        later = todo[len(checks) + (running is not None):]
        shown = list(checks)
        if running is not None:
            shown.append(
                pending_record(
                    running, f'did not finish: the check stopped while '
                    f'{running.name} ran'))
        shown += [
            pending_record(
                s, 'not reached: the check stopped before this section')
            for s in later
        ]
        wall_s = time.perf_counter() - start
        targets = [
            make_target('wall_time', 'whole check, wall-clock seconds', wall_s,
                        '<=', budget_s)
        ]
        return dict(
            schema=SCHEMA,
            created=created,
            command=command,
            commit=git_commit(repo),
            machine=machine,
            versions=stack,
            budget_s=float(budget_s),
            wall_s=wall_s,
            complete=not stopped and running is None and not later,
            checks=shown,
            targets=targets,
            summary=summarize(shown, targets))

    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        for section in todo:
            _write(report_now(running=section), out_dir)
            left = budget_s - (time.perf_counter() - start)
            try:
                res = run_section(ctx, section,
                                  max(min(section.budget_s, left), 0))
            except (Stopped, KeyboardInterrupt) as exc:
                why = str(exc) or 'interrupted'
                res = pending_record(section, f'did not finish: {why}')
                res['status'], res['summary'] = 'fail', 'stopped'
                checks.append(res)
                _write(report_now(stopped=True), out_dir)
                raise
            checks.append(res)
            line = f"[gpu_check] {res['name']}: {res['status']} " \
                f"({res['wall_s']:.1f} s) {res['summary']}"
            if res['reason']:
                line += f" -- {res['reason']}"
            print(line, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if not keep_work:
            shutil.rmtree(work_dir, ignore_errors=True)
    report = report_now()
    paths = [_write(report, out_dir)]
    if record and not cpu_rehearsal:
        folder = osp.join(repo, RESULTS_DIR, results_folder(machine['gpu']))
        paths.append(_write(report, folder))
    print(format_table(report))
    print('wrote ' + ', '.join(paths))
    return report


def _write(report: dict, folder: str) -> str:
    """Write ``folder/gpu_check.json`` and the table as ``.txt``; returns
    the JSON's path."""
    path = osp.join(folder, 'gpu_check.json')
    try:
        write_report(report, path)
    except ReportError:
        # keep what was measured for the bug report, then fail loudly
        with open(osp.splitext(path)[0] + '.invalid.json', 'w') as f:
            json.dump(report, f, indent=2, default=str)
        raise
    table = osp.splitext(path)[0] + '.txt'
    with open(table + '.tmp', 'w') as f:
        f.write(format_table(report) + '\n')
    os.replace(table + '.tmp', table)
    return path
