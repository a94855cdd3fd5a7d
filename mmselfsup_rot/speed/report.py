# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The printed table and the JSON file of a speed report."""
import json
import os
import os.path as osp
from typing import Optional

from mmselfsup_rot.utils.provenance import missing_record_keys
from .loaders import LOADER_PATHS


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
        lines.append('loader path       img/s/worker  vs naive  img/CPU-s  '
                     'vs naive  KiB/img  main RSS MiB')
        for path in LOADER_PATHS:
            res = loader[path]
            lines.append(
                f"{path:<16} {res['images_per_s_per_worker']:>12.1f}  "
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


def write_report(report: dict, path: Optional[str]) -> None:
    """Write a speed report as indented JSON (nothing when ``path`` is
    None), creating its folder.

    Raises:
        ValueError: The report does not say where it came from (the
            ``commit``, ``dirty``, ``machine`` and ``command`` keys of
            :func:`mmselfsup_rot.utils.provenance.provenance`).
    """
    if not path:
        return
    missing = missing_record_keys(report)
    if missing:
        raise ValueError(f'speed report for {path} lacks {missing}: merge '
                         'provenance() and machine_info() into it')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(report, f, indent=2)
    print(f'wrote {path}')
