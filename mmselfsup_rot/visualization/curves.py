# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Training curves from a run's logs, drawn with matplotlib."""
from typing import Dict, List, Tuple


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def read_curves(work_dir: str) -> Dict[str, List[Tuple[int, float]]]:
    """``{key: [(step, value)]}`` of the newest run's ``scalars.json``:
    training keys by iteration, validation keys by their step."""
    from mmselfsup_rot.utils.logs import read_scalars
    curves: Dict[str, List[Tuple[int, float]]] = {}
    for record in read_scalars(work_dir):
        step = record.get('iter', record.get('step', 0))
        for key, value in record.items():
            if key in ('iter', 'step', 'epoch', 'time', 'data_time',
                       'memory') or not isinstance(value, (int, float)):
                continue
            curves.setdefault(key, []).append((int(step), float(value)))
    return curves
