# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Measurement probes of the speed benchmarks: alternated timing by
medians, CPU time of loader workers, peak host memory, machine facts."""
import contextlib
import os
import resource
import time
from typing import Callable, Dict, List, Optional

import torch

from mmselfsup_rot.utils.provenance import host_info


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


def synchronize(device: torch.device) -> None:
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
    synchronize(device)
    times = {name: dict(wall=[], cpu=[]) for name in names}
    for idx in range(rounds):
        shift = idx % len(names)
        for name in names[shift:] + names[:shift]:
            pids = worker_pids(name) if worker_pids else []
            cpu = time.process_time() + children_cpu_s(pids)
            start = time.perf_counter()
            funcs[name]()
            synchronize(device)
            times[name]['wall'].append(time.perf_counter() - start)
            times[name]['cpu'].append(time.process_time() +
                                      children_cpu_s(pids) - cpu)
    return times


def machine_info(device: torch.device) -> dict:
    """The host (:func:`~mmselfsup_rot.utils.provenance.host_info`), the
    device measured and, on CUDA, the GPU's name."""
    info = host_info()
    info['device'] = str(device)
    if device.type == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(device)
    return info
