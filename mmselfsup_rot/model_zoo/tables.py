# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The model-zoo tables: which logged number goes in which cell.

Each :class:`Section` is one table of REFERENCE section 3 (VOC07 SVM per
layer, low-shot SVM, multi-head linear per layer, Places205, kNN,
detection, segmentation) or of the paper (CIFAR-10 protocols, rotation
accuracy). Rows are pretraining runs ("ours", filled only from what a run
logged) and the published anchors, clearly labelled; a cell without a run
stays empty.
"""
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from .runs import Run

R50 = 'rotation-pred_resnet50_8xb16-steplr-70e_in1k'
ALEXNET = 'rotation-pred_alexnet-bn_1xb192-steplr-50e_in1k'
NIN4 = 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10'
MMSELFSUP = 'published (mmselfsup model zoo)'
PAPER = 'published (RotNet paper)'


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
        published (dict): ``{pretrain config: (label, [value per column])}``
            with None for unpublished columns.
        pretext (bool): Cells come from the pretraining run itself.
    """
    title: str
    note: str
    task: str
    dataset: str
    columns: List[Column]
    models: str
    published: Dict[str, tuple] = field(default_factory=dict)
    pretext: bool = False


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

SECTIONS: List[Section] = [
    Section(
        'VOC07 SVM (mAP per layer)',
        'Linear SVMs on frozen pooled features of each layer '
        '(`benchmarks/svm_voc07/`); layer i = ResNet feature i or AlexNet '
        'conv i.', 'Image Classification', 'PASCAL VOC 2007',
        [Column(f'layer {i}', _svm(i)) for i in LAYERS], IMAGENET_SCALE,
        {R50: (MMSELFSUP + ', best layer', [None, None, None, 67.70, None])}),
    Section('VOC07 low-shot SVM (mean mAP over samples, best layer)',
            'k positives per class, 5 samples (`svm_voc07.py --low-shot`).',
            'Image Classification', 'PASCAL VOC 2007',
            [Column(f'k={k}', _low_shot(k))
             for k in K_LOW_SHOT], IMAGENET_SCALE, {
                 R50:
                 (MMSELFSUP,
                  [20.60, 24.35, 31.41, 39.17, 46.56, 53.37, 59.14, 62.42])
             }),
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
        ], IMAGENET_SCALE, {
            R50: (MMSELFSUP, [12.15, 31.99, 44.57, 54.20, 45.94, 47.0]),
            ALEXNET: (PAPER, [18.8, 31.7, 38.7, 38.2, 36.5, None]),
        }),
    Section(
        'Places205 linear evaluation, multi-head (top-1 per layer)',
        'Same protocol on Places205 (`benchmarks/classification/'
        'places205/`).', 'Image Classification', 'Places205',
        [Column(f'layer {i}', _multi_head(r'_places205$', i))
         for i in LAYERS], IMAGENET_SCALE,
        {R50: (MMSELFSUP, [18.94, 34.72, 44.53, 46.30, 44.12])}),
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
        'ImageNet-1k', [Column(f'k={k}', _knn(k)) for k in (10, 20, 100, 200)],
        IMAGENET_SCALE, {R50: (MMSELFSUP, [11.0, 11.9, 12.6, 12.4])}),
    Section(
        'ImageNet semi-supervised fine-tuning (top-1)',
        '1% / 10% labels, whole network fine-tuned '
        '(`semi_sup/`; published: OpenSelfSup, older model).',
        'Image Classification', 'ImageNet-1k', [
            Column('1%', _metric(r'semi-sup-1pct', 'accuracy/top1')),
            Column('10%', _metric(r'semi-sup-10pct', 'accuracy/top1')),
        ], IMAGENET_SCALE, {R50: (MMSELFSUP, [18.98, 54.75])}),
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
        ], IMAGENET_SCALE, {
            R50: (MMSELFSUP, [79.67, 37.9, 34.2, None]),
            ALEXNET: (PAPER + ', Fast R-CNN', [None, None, None, 54.4]),
        }),
    Section(
        'Segmentation (mIoU)',
        'mmseg 1.2 fine-tuning (`benchmarks/mmsegmentation/`).',
        'Semantic Segmentation', 'PASCAL VOC 2012 / Cityscapes', [
            Column('VOC12aug FCN R50-D8', _metric(r'_voc12aug', 'mIoU')),
            Column('Cityscapes FCN R50-D8', _metric(r'_cityscapes', 'mIoU')),
            Column('VOC12 AlexNet FCN', _metric(r'^fcn_alexnet', 'mIoU')),
        ], IMAGENET_SCALE, {
            R50: (MMSELFSUP, [64.31, None, None]),
            ALEXNET: (PAPER, [None, None, 39.1]),
        }),
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
        ], r'_cifar10$', {NIN4: (PAPER, [85.07, 89.06, 86.21, 61.73, 91.16])}),
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
        r'.', {ALEXNET: (PAPER + ' (about)', [89., None, None, None, None])},
        pretext=True),
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


def section_rows(section: Section, runs: List[Run],
                 pretrain_configs: Sequence[str],
                 roots: Sequence[str]) -> List[dict]:
    """The rows of one table.

    Returns:
        list[dict]: ``model``, ``source``, ``values`` (None = empty cell)
        and ``runs`` (display paths of the runs behind the cells).
    """
    pretrain_runs = sorted((r for r in runs if r.config in pretrain_configs),
                           key=lambda r: (r.config, r.path))
    rows = []
    for model in sorted(pretrain_configs):
        mine = [r for r in pretrain_runs if r.config == model]
        for owner in mine or [None]:
            values, sources = [], []
            for col in section.columns:
                if owner is None:
                    cands = []
                elif section.pretext:
                    cands = [owner]
                else:
                    cands = [r for r in runs if r.owner is owner]
                cands = sorted((r for r in cands if col.value(r) is not None),
                               key=lambda r: (r.stamp, r.path))
                values.append(col.value(cands[-1]) if cands else None)
                if cands:
                    sources.append(display_path(cands[-1].path, roots))
            has_value = any(v is not None for v in values)
            if not has_value and not re.search(section.models, model):
                continue
            where = display_path(owner.path, roots) if owner else 'no run'
            rows.append(
                dict(
                    model=model,
                    source=f'ours: `{where}`',
                    values=values,
                    runs=sorted(set(sources))))
        if model in section.published:
            label, values = section.published[model]
            rows.append(
                dict(model=model, source=label, values=list(values), runs=[]))
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


def other_runs(runs: List[Run], pretrain_configs: Sequence[str]) -> List[Run]:
    """Benchmark runs with metrics that no table column takes (e.g. the
    digits linear probe)."""
    return [
        run for run in runs if run.kind == 'mmengine'
        and run.config not in pretrain_configs and run.metrics and not any(
            col.value(run) is not None for s in SECTIONS if not s.pretext
            for col in s.columns)
    ]


def other_runs_table(runs: List[Run], pretrain_configs: Sequence[str],
                     roots: Sequence[str]) -> str:
    """All :func:`other_runs` with their final metrics, so no logged result
    is hidden."""
    lines = [
        '### Other benchmark runs', '',
        'Every other benchmark run found, with its final metrics.', '',
        '| Pretrained model | Benchmark config | Run | Metrics |',
        '|---|---|---|---|'
    ]
    for run in other_runs(runs, pretrain_configs):
        owner = f'`{run.owner.config}`' if run.owner else 'unknown'
        metrics = ', '.join(f'{k}: {v:.2f}'
                            for k, v in sorted(run.metrics.items()))
        lines.append(f'| {owner} | `{run.config}` | '
                     f'`{display_path(run.path, roots)}` | {metrics} |')
    return '\n'.join(lines) + '\n'
