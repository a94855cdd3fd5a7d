# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Read what mmengine runs logged (``<work_dir>/<timestamp>/vis_data``)."""
import glob
import json
import os.path as osp
from typing import Dict, List, Optional


def latest_run_dir(work_dir: str) -> str:
    """The newest ``<timestamp>`` run folder with a ``vis_data`` log."""
    runs = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not runs:
        raise FileNotFoundError(
            f'No mmengine log found under {work_dir} (expected '
            f'{work_dir}/<timestamp>/vis_data/scalars.json).')
    return osp.dirname(osp.dirname(runs[-1]))


def read_scalars(work_dir: str) -> List[Dict]:
    """All records of the newest run's ``scalars.json``, in order."""
    path = osp.join(latest_run_dir(work_dir), 'vis_data', 'scalars.json')
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def last_value(records: List[Dict], key: str) -> Optional[float]:
    """The last logged value of ``key``, or None if it was never logged."""
    values = [r[key] for r in records if key in r]
    return values[-1] if values else None
