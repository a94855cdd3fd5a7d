# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Training curves from a run's logs, drawn with matplotlib."""
import re
from typing import Dict, List, Sequence, Tuple

#: A per-stage metric, e.g. ``online-probe/stage1_top1``: (prefix, stage,
#: metric).
STAGE_KEY = re.compile(
    r'^(?P<prefix>[^/]+)/(?P<stage>[^/]+)_(?P<metric>top\d+)$')


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


def curve_panels(keys: Sequence[str]) -> Dict[str, List[str]]:
    """Group keys into the panels of a figure, in order of appearance.

    Per-stage metrics of one prefix (``online-probe/stage1_top1`` ..
    ``online-probe/stage4_top1``, likewise ``multi-head/..._top5``) share a
    panel titled ``online-probe top1``; every other key has its own.

    Args:
        keys (Sequence[str]): Logged keys.

    Returns:
        dict[str, list[str]]: Panel title to its keys.
    """
    panels: Dict[str, List[str]] = {}
    for key in keys:
        match = STAGE_KEY.match(key)
        title = (f"{match.group('prefix')} {match.group('metric')}"
                 if match else key)
        panels.setdefault(title, []).append(key)
    return panels


def draw_panel(ax, curves: Dict[str, List[Tuple[int, float]]],
               keys: Sequence[str], title: str) -> None:
    """One panel: a line per key (labelled by its stage when per-stage).

    Args:
        ax: A matplotlib axes.
        curves (dict): From :func:`read_curves`.
        keys (Sequence[str]): Keys to draw.
        title (str): Panel title.
    """
    for key in keys:
        steps, values = zip(*curves[key])
        match = STAGE_KEY.match(key)
        ax.plot(
            steps,
            values,
            marker='.' if len(steps) < 20 else None,
            label=match.group('stage') if match else key)
    ax.set_title(title)
    ax.set_xlabel('iteration' if any(
        k in ('loss', 'lr') or '/' not in k for k in keys) else 'step')
    if len(keys) > 1:
        ax.legend(fontsize=7)
