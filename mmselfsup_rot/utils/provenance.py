# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Where a recorded result came from: commit, machine and command.

Every result file that the documentation cites (speed reports, the demo's
results) carries the keys of :data:`RECORD_KEYS`, so that a figure read in
a page can be traced to the code, the machine and the command line that
produced it.
"""
import contextlib
import datetime
import os
import os.path as osp
import platform
import shlex
import subprocess
from typing import Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# The keys that a recorded result file must hold.
RECORD_KEYS = ('commit', 'dirty', 'machine', 'command')


def _git(repo: str, *args: str) -> Optional[str]:
    """Output of a git command in ``repo`` (None outside a clone or without
    git)."""
    try:
        out = subprocess.run(['git', *args],
                             cwd=repo,
                             capture_output=True,
                             text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit(repo: str = REPO) -> Optional[str]:
    """The commit checked out in ``repo`` (None outside a git clone)."""
    return _git(repo, 'rev-parse', 'HEAD')


def git_dirty(repo: str = REPO) -> Optional[bool]:
    """Whether tracked files of ``repo`` differ from its commit (None
    outside a git clone). Untracked files (work directories, data) do not
    count."""
    status = _git(repo, 'status', '--porcelain', '--untracked-files=no')
    return None if status is None else bool(status)


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else the architecture."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    return cpu


def ram_gib() -> Optional[float]:
    """Total memory of the machine in GiB (Linux ``/proc/meminfo``)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemTotal:'):
                    return round(int(line.split()[1]) / 2**20, 1)
    return None


def host_info() -> dict:
    """The machine a result was measured on: CPU model, cores, memory,
    operating system, Python and torch (with its CPU threads)."""
    import torch
    return dict(
        cpu=cpu_model(),
        cpu_cores=os.cpu_count(),
        ram_gib=ram_gib(),
        os=f'{platform.system()} {platform.machine()}',
        python=platform.python_version(),
        torch=torch.__version__,
        torch_threads=torch.get_num_threads(),
        omp_num_threads=os.environ.get('OMP_NUM_THREADS'))


def command_line(script: str, argv: Sequence[str], repo: str = REPO) -> str:
    """The shell command that ran ``script`` with ``argv``, the script
    relative to ``repo`` (as typed from its root) when it lies inside it."""
    path = osp.abspath(script)
    if path.startswith(repo + os.sep):
        path = osp.relpath(path, repo)
    return shlex.join(['python', path, *argv])


def provenance(script: str, argv: Sequence[str], repo: str = REPO) -> dict:
    """The record of a run: ``commit``, ``dirty``, ``command`` and the UTC
    time it was ``created`` (the caller adds ``machine``).

    Args:
        script (str): Path of the tool that ran.
        argv (Sequence[str]): Its command-line arguments.
        repo (str): The checkout whose commit is recorded. Defaults to
            this package's repository.

    Returns:
        dict: The four keys, to merge into a result file.
    """
    return dict(
        commit=git_commit(repo),
        dirty=git_dirty(repo),
        command=command_line(script, argv),
        created=datetime.datetime.now(
            datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))


def missing_record_keys(record: dict) -> list:
    """The keys of :data:`RECORD_KEYS` that a result file lacks."""
    return [key for key in RECORD_KEYS if key not in record]
