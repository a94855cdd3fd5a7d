# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The GPU acceptance check (``tools/gpu_check.py``, ``make gpu-check``):
mmcv's CUDA ops, RotNet throughput in three precisions, the loader
against the GPU step, NCCL with SyncBN, and the project's training,
testing and transfer command lines on generated miniatures, into one
report. See docs/speed.md."""
from .check import (BUDGET_S, REHEARSAL_NAMES, SECTION_NAMES, Stopped,
                    run_gpu_check)
from .report import format_table, load_report, validate_report

__all__ = [
    'BUDGET_S', 'REHEARSAL_NAMES', 'SECTION_NAMES', 'Stopped', 'run_gpu_check',
    'format_table', 'load_report', 'validate_report'
]
