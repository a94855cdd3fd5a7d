# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Benchmark results as PNGs: accuracy per layer and accuracy per k.

Written by the tools that compute the results, next to their JSON files:
VOC07 SVM mAP per layer and low-shot mAP per k
(``tools/benchmarks/svm_voc07.py``), kNN accuracy per k
(``tools/benchmarks/knn.py``) and linear accuracy per stage
(``tools/analysis/plot_linear_stages.py``, run by
``benchmarks/classification/dist_train_linear.sh``).
"""
import re
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from .curves import pyplot

Series = Mapping[str, float]

MULTI_HEAD = re.compile(r'^multi-head/(.+)_(top\d+)$')
SINGLE_HEAD = re.compile(r'^accuracy/(top\d+)$')


def bars_per_layer(values: Mapping[str, Series], out: str, title: str,
                   ylabel: str) -> str:
    """Grouped bars: one group per layer, one bar per series.

    Args:
        values (Mapping): ``{layer: {series: value}}``, e.g.
            ``{'conv5': {'top1': 36.5, 'top5': 60.1}}``.
        out (str): PNG to write.
        title (str): Figure title.
        ylabel (str): Label of the value axis.

    Returns:
        str: ``out``.
    """
    if not values:
        raise ValueError(f'Nothing to plot for "{title}": no layer has a '
                         'result.')
    layers = list(values)
    series = list(dict.fromkeys(s for v in values.values() for s in v))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(layers) + 1.5), 3.4))
    width = 0.8 / len(series)
    for idx, name in enumerate(series):
        xs = [
            i + (idx - (len(series) - 1) / 2) * width
            for i in range(len(layers))
        ]
        heights = [values[layer].get(name, 0.0) for layer in layers]
        bars = ax.bar(xs, heights, width, label=name)
        ax.bar_label(bars, fmt='%.1f', fontsize=7)
    ax.set_xticks(range(len(layers)), layers)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_ylim(0, max(max(v.values()) for v in values.values()) * 1.15 + 1)
    if len(series) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def lines_per_k(
    series: Mapping[str, Mapping[int, float]],
    out: str,
    title: str,
    ylabel: str,
    bands: Optional[Mapping[str, Mapping[int, Tuple[float, float]]]] = None
) -> str:
    """One line per series over k (log2 axis), optionally with a min-max
    band.

    Args:
        series (Mapping): ``{name: {k: value}}``.
        out (str): PNG to write.
        title (str): Figure title.
        ylabel (str): Label of the value axis.
        bands (Mapping, optional): ``{name: {k: (low, high)}}``.

    Returns:
        str: ``out``.
    """
    if not series or not any(series.values()):
        raise ValueError(f'Nothing to plot for "{title}": no k has a '
                         'result.')
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ks: List[int] = []
    for name, points in series.items():
        xs = sorted(points)
        ks = sorted(set(ks) | set(xs))
        ax.plot(xs, [points[k] for k in xs], marker='o', label=name)
        if bands and name in bands:
            ax.fill_between(
                xs, [bands[name][k][0] for k in xs],
                [bands[name][k][1] for k in xs],
                alpha=0.2)
    ax.set_xscale('log', base=2)
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel('k')
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def plot_svm(results: Mapping[str, dict], out: str) -> str:
    """VOC07 SVM mAP per layer (``svm_results.json``)."""
    return bars_per_layer(
        {
            layer: {
                'mAP': res['mAP']
            }
            for layer, res in results.items()
        }, out, 'VOC07 SVM', 'mAP (%)')


def plot_low_shot(results: Mapping[str, Sequence[dict]], out: str) -> str:
    """Low-shot SVM mean mAP per k and layer, min-max over samples
    (``low_shot_results.json``)."""
    series = {
        layer: {
            r['k']: r['mean']
            for r in rows
        }
        for layer, rows in results.items()
    }
    bands = {
        layer: {
            r['k']: (r['min'], r['max'])
            for r in rows
        }
        for layer, rows in results.items()
    }
    return lines_per_k(series, out, 'VOC07 low-shot SVM', 'mAP (%)', bands)


def plot_knn(results: Mapping, out: str, layer: str = '') -> str:
    """kNN top-1 / top-5 per k (``knn_results.json``; keys may be strings).
    """
    series: Dict[str, Dict[int, float]] = {}
    for k, res in results.items():
        for name, value in res.items():
            series.setdefault(name, {})[int(k)] = value
    title = f'kNN ({layer})' if layer else 'kNN'
    return lines_per_k(series, out, title, 'accuracy (%)')


def linear_stage_accuracies(records: Sequence[dict]) -> Dict[str, Series]:
    """The last logged accuracy of every stage of a linear run.

    Multi-head runs log ``multi-head/<layer>_top1`` (and ``_top5``), a
    single-head run ``accuracy/top1`` (its one stage is named
    ``linear``).

    Args:
        records (Sequence[dict]): ``scalars.json`` records, in order.

    Returns:
        dict: ``{stage: {'top1': ..., 'top5': ...}}`` in logging order.
    """
    stages: Dict[str, Dict[str, float]] = {}
    for record in records:
        for key, value in record.items():
            match = MULTI_HEAD.match(key)
            if match:
                stages.setdefault(match.group(1), {})[match.group(2)] = value
                continue
            match = SINGLE_HEAD.match(key)
            if match:
                stages.setdefault('linear', {})[match.group(1)] = value
    return stages


def plot_linear_stages(stages: Mapping[str, Series], out: str) -> str:
    """Linear-evaluation accuracy per stage (see
    :func:`linear_stage_accuracies`)."""
    return bars_per_layer(stages, out, 'Linear evaluation per stage',
                          'accuracy (%)')
