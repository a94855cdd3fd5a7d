# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The model-zoo tables: which logged number goes in which cell.

Each :class:`Section` is one benchmark of the mmselfsup model zoo (VOC07
SVM per layer, low-shot SVM, multi-head linear per layer, Places205, kNN,
detection, segmentation), of the RotNet paper (CIFAR-10 protocols,
rotation accuracy) or of the demo (digits probes per layer). Its rows hold
only what our runs logged: one per pretraining run (a cell without a run
stays empty) and one per baseline without pretrained weights (random
initialisation, raw pixels). Published figures are in a table of their own
(:mod:`.published`); benchmark runs that cannot be attributed to a
pretraining run are listed apart (:func:`unattributed_table`).
"""
import os.path as osp
import re
from dataclasses import dataclass
from typing import Callable, Collection, List, Optional, Sequence

from .runs import Run, is_baseline, is_unattributed


@dataclass
class Column:
    """One column: which runs fill it and how their value is read.

    Args:
        header (str): Column title.
        value (Callable[[Run], Optional[float]]): The cell value of a run,
            or None if the run does not fill this column.
    """
    header: str
    value: Callable[[Run], Optional[float]]


@dataclass
class Section:
    """One table.

    Args:
        title (str): Heading.
        note (str): Protocol in a sentence.
        task (str): Metafile task.
        dataset (str): Metafile dataset.
        columns (list[Column]): The columns after Model/Source.
        models (str): Regex of the pretraining configs that always get a
            row (others get one only when they have a result).
        pretext (bool): Cells come from the pretraining run itself.
        evaluator (str, optional): Only pretraining configs whose
            ``val_evaluator``/``test_evaluator`` has this metric type get a
            row (the others can never fill it).
    """
    title: str
    note: str
    task: str
    dataset: str
    columns: List[Column]
    models: str
    pretext: bool = False
    evaluator: Optional[str] = None


def _metric(config: str, *keys: str, scale: float = 1.) -> Callable:
    """Value of the first logged ``keys`` of runs whose config matches the
    regex ``config``."""

    def value(run: Run) -> Optional[float]:
        if run.kind != 'mmengine' or not re.search(config, run.config or ''):
            return None
        for key in keys:
            if key in run.metrics:
                return run.metrics[key] * scale
        return None

    return value


def _layer(i: int) -> List[str]:
    """Names of the i-th layer: ResNet ``featureI``, AlexNet ``convI``."""
    return [f'feature{i}', f'conv{i}']


def _svm(i: int) -> Callable:

    def value(run: Run) -> Optional[float]:
        res = run.results.get('svm_results.json', {})
        for name in _layer(i):
            if name in res:
                return float(res[name]['mAP'])
        return None

    return value


def best_low_shot_layer(run: Run) -> Optional[str]:
    """The low-shot layer reported: the best full-data SVM layer, else the
    deepest layer with low-shot results."""
    low = run.results.get('low_shot_results.json', {})
    if not low:
        return None
    svm = run.results.get('svm_results.json', {})
    ranked = [layer for layer in low if layer in svm]
    if ranked:
        return max(ranked, key=lambda layer: (svm[layer]['mAP'], layer))
    return sorted(low)[-1]


def _low_shot(k: int) -> Callable:

    def value(run: Run) -> Optional[float]:
        layer = best_low_shot_layer(run)
        for row in run.results.get('low_shot_results.json', {}).get(layer, []):
            if int(row['k']) == k:
                return float(row['mean'])
        return None

    return value


def _knn(k: int) -> Callable:

    def value(run: Run) -> Optional[float]:
        res = run.results.get('knn_results.json', {})
        return float(res[str(k)]['top1']) if str(k) in res else None

    return value


def _multi_head(config: str, i: int) -> Callable:
    keys = [f'multi-head/{name}_top1' for name in _layer(i)]
    return _metric(config, *keys)


IMAGENET_SCALE = r'_(in1k|places205)$'
LAYERS = range(1, 6)
K_LOW_SHOT = (1, 2, 4, 8, 16, 32, 64, 96)
# The demo's probes: the input, then the ResNet-18 stem and stages.
DIGITS_LAYERS = ('pixels', 'stem', 'stage1', 'stage2', 'stage3', 'stage4')

SECTIONS: List[Section] = [
    Section(
        'VOC07 SVM (mAP per layer)',
        'Linear SVMs on frozen pooled features of each layer '
        '(`benchmarks/svm_voc07/`); layer i = ResNet feature i or AlexNet '
        'conv i.', 'Image Classification', 'PASCAL VOC 2007',
        [Column(f'layer {i}', _svm(i)) for i in LAYERS], IMAGENET_SCALE),
    Section('VOC07 low-shot SVM (mean mAP over samples, best layer)',
            'k positives per class, 5 samples (`svm_voc07.py --low-shot`).',
            'Image Classification', 'PASCAL VOC 2007',
            [Column(f'k={k}', _low_shot(k))
             for k in K_LOW_SHOT], IMAGENET_SCALE),
    Section(
        'ImageNet linear evaluation, multi-head (top-1 per layer)',
        'BN + Linear on each frozen layer (`benchmarks/classification/'
        'imagenet/multi-head-linear_*`).', 'Image Classification',
        'ImageNet-1k', [
            Column(f'layer {i}', _multi_head(r'^multi-head-linear_.*_in1k$',
                                             i)) for i in LAYERS
        ] + [
            Column('AvgPool linear',
                   _metric(r'^linear_.*_in1k$', 'accuracy/top1'))
        ], IMAGENET_SCALE),
    Section(
        'Places205 linear evaluation, multi-head (top-1 per layer)',
        'Same protocol on Places205 (`benchmarks/classification/'
        'places205/`).', 'Image Classification', 'Places205',
        [Column(f'layer {i}', _multi_head(r'_places205$', i))
         for i in LAYERS], IMAGENET_SCALE),
    Section(
        'iNaturalist 2018 linear evaluation, multi-head (top-1 per layer)',
        'Same protocol on iNaturalist 2018 (not published).',
        'Image Classification', 'iNaturalist 2018',
        [Column(f'layer {i}', _multi_head(r'_inat18$', i))
         for i in LAYERS], IMAGENET_SCALE),
    Section(
        'ImageNet kNN (top-1)',
        'Weighted kNN on the last stage, globally pooled '
        '(`benchmarks/classification/knn.sh`).', 'Image Classification',
        'ImageNet-1k', [Column(f'k={k}', _knn(k))
                        for k in (10, 20, 100, 200)], IMAGENET_SCALE),
    Section('ImageNet semi-supervised fine-tuning (top-1)',
            '1% / 10% labels, whole network fine-tuned '
            '(`semi_sup/`).', 'Image Classification', 'ImageNet-1k', [
                Column('1%', _metric(r'semi-sup-1pct', 'accuracy/top1')),
                Column('10%', _metric(r'semi-sup-10pct', 'accuracy/top1')),
            ], IMAGENET_SCALE),
    Section(
        'Detection',
        'mmdet 3.3 fine-tuning (`benchmarks/mmdetection/`); AP in percent.',
        'Object Detection', 'PASCAL VOC 2007 / COCO 2017', [
            Column(
                'VOC07+12 Faster R-CNN C4 AP50',
                _metric(
                    r'^faster-rcnn_r50-c4_.*_voc0712$',
                    'pascal_voc/mAP',
                    scale=100.)),
            Column(
                'COCO Mask R-CNN FPN box mAP',
                _metric(r'^mask-rcnn_.*_coco$', 'coco/bbox_mAP', scale=100.)),
            Column(
                'COCO Mask R-CNN FPN mask mAP',
                _metric(r'^mask-rcnn_.*_coco$', 'coco/segm_mAP', scale=100.)),
            Column(
                'VOC07 AlexNet conv5 detector AP50',
                _metric(
                    r'^faster-rcnn_alexnet.*_voc07$',
                    'pascal_voc/mAP',
                    scale=100.)),
        ], IMAGENET_SCALE),
    Section(
        'Segmentation (mIoU)',
        'mmseg 1.2 fine-tuning (`benchmarks/mmsegmentation/`).',
        'Semantic Segmentation', 'PASCAL VOC 2012 / Cityscapes', [
            Column('VOC12aug FCN R50-D8', _metric(r'_voc12aug', 'mIoU')),
            Column('Cityscapes FCN R50-D8', _metric(r'_cityscapes', 'mIoU')),
            Column('VOC12 AlexNet FCN', _metric(r'^fcn_alexnet', 'mIoU')),
        ], IMAGENET_SCALE),
    Section(
        'CIFAR-10 protocols on frozen NIN blocks (top-1)',
        'Non-linear (200-200-10) and conv classifiers on block i '
        '(`benchmarks/classification/cifar10/`).', 'Image Classification',
        'CIFAR-10', [
            Column(
                f'non-linear block {i}',
                _metric(rf'^nin-block{i}_nonlinear-.*_cifar10$',
                        'accuracy/top1')) for i in range(1, 5)
        ] + [
            Column('conv block 2',
                   _metric(r'^nin-block2_conv-.*_cifar10$', 'accuracy/top1'))
        ], r'_cifar10$'),
    Section(
        'Digits linear probes per layer (top-1)',
        'BN + Linear on each globally average-pooled layer of a frozen '
        'ResNet-18 at 32 px, and on the input pixels pooled to 8x8; '
        'held-out scikit-learn digits (`benchmarks/classification/digits/`, '
        'the evaluation of `make demo`).', 'Image Classification',
        'scikit-learn digits', [
            Column(
                layer,
                _metric(r'^multi-head-linear_.*_digits',
                        f'multi-head/{layer}_top1')) for layer in DIGITS_LAYERS
        ], r'_digits$'),
    Section(
        'Rotation prediction (pretext task accuracy)',
        'Accuracy of the pretraining run on its validation/test set '
        '(`RotationAccuracy`).',
        'Rotation Prediction',
        'validation set', [
            Column('accuracy', _metric(r'.', 'rotation/accuracy')),
            Column('0 deg', _metric(r'.', 'rotation/accuracy_0deg')),
            Column('90 deg', _metric(r'.', 'rotation/accuracy_90deg')),
            Column('180 deg', _metric(r'.', 'rotation/accuracy_180deg')),
            Column('270 deg', _metric(r'.', 'rotation/accuracy_270deg')),
        ],
        r'.',
        pretext=True,
        evaluator='RotationAccuracy'),
]


def display_path(path: str, roots: Sequence[str]) -> str:
    """``path`` relative to the scanned root holding it, prefixed with that
    root's name (stable across machines)."""
    for root in sorted(roots, key=len, reverse=True):
        root = osp.abspath(root)
        if path == root or path.startswith(root + osp.sep):
            rel = osp.relpath(path, root)
            base = osp.basename(root.rstrip(osp.sep))
            return base if rel == '.' else f'{base}/{rel}'
    return path


def _fill(section: Section, cands: List[Run], roots: Sequence[str]) -> tuple:
    """Each column's value from the newest of ``cands`` that fills it, and
    the display paths of the runs used."""
    values, sources = [], []
    for col in section.columns:
        filled = sorted((r for r in cands if col.value(r) is not None),
                        key=lambda r: (r.stamp, r.path))
        values.append(col.value(filled[-1]) if filled else None)
        if filled:
            sources.append(display_path(filled[-1].path, roots))
    return values, sorted(set(sources))


def section_rows(section: Section,
                 runs: List[Run],
                 pretrain_configs: Sequence[str],
                 roots: Sequence[str],
                 eligible: Optional[Collection[str]] = None) -> List[dict]:
    """The rows of one table: a row per pretraining run (and per listed
    config without a run), then a row per baseline benchmark config (runs
    without pretrained weights) that fills a cell.

    Args:
        section (Section): The table.
        runs (list[Run]): Every run found.
        pretrain_configs (Sequence[str]): Names of the pretraining configs.
        roots (Sequence[str]): The scanned work directories.
        eligible (Collection[str], optional): Pretraining configs that can
            fill this table (default: all).

    Returns:
        list[dict]: ``model``, ``source``, ``values`` (None = empty cell)
        and ``runs`` (display paths of the runs behind the cells).
    """
    pretrain_runs = sorted((r for r in runs if r.config in pretrain_configs),
                           key=lambda r: (r.config, r.path))
    rows = []
    for model in sorted(pretrain_configs):
        if eligible is not None and model not in eligible:
            continue
        mine = [r for r in pretrain_runs if r.config == model]
        for owner in mine or [None]:
            if owner is None:
                cands = []
            elif section.pretext:
                cands = [owner]
            else:
                cands = [r for r in runs if r.owner is owner]
            values, sources = _fill(section, cands, roots)
            has_value = any(v is not None for v in values)
            if not has_value and not re.search(section.models, model):
                continue
            where = display_path(owner.path, roots) if owner else 'no run'
            rows.append(
                dict(
                    model=model,
                    source=f'ours: `{where}`',
                    values=values,
                    runs=sources))
    if section.pretext:
        return rows
    baselines = [r for r in runs if is_baseline(r, pretrain_configs)]
    for config in sorted({r.config for r in baselines}):
        values, sources = _fill(section,
                                [r for r in baselines if r.config == config],
                                roots)
        if any(v is not None for v in values):
            where = ', '.join(f'`{p}`' for p in sources)
            rows.append(
                dict(
                    model=config,
                    source=f'ours, no pretrained weights: {where}',
                    values=values,
                    runs=sources))
    return rows


def _cell(value: Optional[float]) -> str:
    return '' if value is None else f'{value:.2f}'


def render_section(section: Section, rows: List[dict]) -> str:
    """One markdown table with its heading and protocol note."""
    head = ['Model', 'Source'] + [c.header for c in section.columns]
    lines = [
        f'### {section.title}', '', section.note, '',
        '| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)
    ]
    for row in rows:
        cells = [f'`{row["model"]}`', row['source']
                 ] + [_cell(v) for v in row['values']]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def _fills_a_column(run: Run) -> bool:
    return any(
        col.value(run) is not None for s in SECTIONS if not s.pretext
        for col in s.columns)


def other_runs(runs: List[Run], pretrain_configs: Sequence[str]) -> List[Run]:
    """Attributed or baseline benchmark runs with metrics that no table
    column takes."""
    return [
        run for run in runs
        if run.kind == 'mmengine' and run.config not in pretrain_configs
        and run.metrics and not is_unattributed(run, pretrain_configs)
        and not _fills_a_column(run)
    ]


def other_runs_table(runs: List[Run], pretrain_configs: Sequence[str],
                     roots: Sequence[str]) -> str:
    """All :func:`other_runs` with their final metrics, so no logged result
    is hidden."""
    lines = [
        '### Other benchmark runs', '',
        'Every other attributed or baseline benchmark run found, with its '
        'final metrics.', '',
        '| Pretrained model | Benchmark config | Run | Metrics |',
        '|---|---|---|---|'
    ]
    for run in other_runs(runs, pretrain_configs):
        owner = f'`{run.owner.config}`' if run.owner else \
            'none (no pretrained weights)'
        lines.append(f'| {owner} | `{run.config}` | '
                     f'`{display_path(run.path, roots)}` | '
                     f'{result_summary(run)} |')
    return '\n'.join(lines) + '\n'


def result_summary(run: Run) -> str:
    """A run's final results in one line: mmengine metrics, or the
    SVM / low-shot / kNN figures of a feature run."""
    if run.kind == 'mmengine':
        return ', '.join(f'{k}: {v:.2f}'
                         for k, v in sorted(run.metrics.items()))
    parts = []
    for layer, res in sorted(run.results.get('svm_results.json', {}).items()):
        parts.append(f'SVM {layer} mAP: {float(res["mAP"]):.2f}')
    for layer, rows in sorted(
            run.results.get('low_shot_results.json', {}).items()):
        parts.append(f'low-shot {layer} ' +
                     '/'.join(f'k={int(r["k"])} {float(r["mean"]):.2f}'
                              for r in rows))
    for k, res in sorted(
            run.results.get('knn_results.json', {}).items(),
            key=lambda kv: int(kv[0])):
        parts.append(f'kNN k={k} top-1: {float(res["top1"]):.2f}')
    return ', '.join(parts)


def unattributed_table(runs: List[Run], pretrain_configs: Sequence[str],
                       roots: Sequence[str]) -> str:
    """Benchmark runs whose checkpoint matches no pretraining run found
    (by path or content), with what they name and their results, instead
    of leaving them out of every table."""
    lines = [
        '### Unattributed benchmark runs', '',
        'Benchmark runs whose checkpoint is not one of the pretraining runs '
        'scanned (neither by path nor by SHA-256), or whose config is '
        'unknown: scan the pretraining work directory too, or check the '
        "run's `source_checkpoint.json`.", '',
        '| Benchmark config | Run | Checkpoint | SHA-256 | Results |',
        '|---|---|---|---|---|'
    ]
    for run in runs:
        if not is_unattributed(run, pretrain_configs):
            continue
        checkpoint = display_path(run.checkpoints[0],
                                  roots) if run.checkpoints else 'none'
        digest = run.digests[0][:12] if run.digests else 'unknown'
        config = f'`{run.config}`' if run.config else 'unknown'
        lines.append(f'| {config} | `{display_path(run.path, roots)}` | '
                     f'`{checkpoint}` | `{digest}` | {result_summary(run)} |')
    return '\n'.join(lines) + '\n'
