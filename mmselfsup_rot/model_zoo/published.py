# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Published reference results: the figures the RotNet paper and the
mmselfsup model zoo report for their own models.

They are what our runs are compared against, not results of this
repository's configs, so they live in their own table and never in the
metafiles' ``Results`` (which, by the mim convention, list what a config
and its weights produce).
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

PAPER = 'RotNet paper'
MMSELFSUP = 'mmselfsup model zoo'
# Where each source is, for the note above the table.
CITATIONS = {
    PAPER:
    'Gidaris, Singh, Komodakis, *Unsupervised Representation '
    'Learning by Predicting Image Rotations*, ICLR 2018 '
    '([arXiv:1803.07728](https://arxiv.org/abs/1803.07728))',
    MMSELFSUP:
    '[configs/selfsup/rotation_pred](https://github.com/'
    'open-mmlab/mmselfsup/tree/main/configs/selfsup/rotation_pred) of '
    'open-mmlab/mmselfsup',
}
R50 = 'rotation-pred_resnet50_8xb16-steplr-70e_in1k'
ALEXNET = 'rotation-pred_alexnet-bn_1xb192-steplr-50e_in1k'
NIN4 = 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10'


@dataclass(frozen=True)
class Reference:
    """One published result line.

    Args:
        source (str): Who reports it.
        model (str): The pretrained model it was measured on.
        pretraining (str): Pretraining data and epochs of that model.
        benchmark (str): Benchmark and dataset.
        protocol (str): Evaluation protocol in a phrase.
        results (tuple): ``(name, value)`` pairs, in percent, written as
            published (so that their precision is kept).
        recipe (str, optional): Our pretraining config that follows the
            same recipe (its own runs are in the tables above).
    """
    source: str
    model: str
    pretraining: str
    benchmark: str
    protocol: str
    results: Tuple[Tuple[str, str], ...]
    recipe: Optional[str] = None


_ALEXNET = ('RotNet BN-AlexNet (4 rotations)',
            "ImageNet-1k, about 30 epochs (the paper's model; the official "
            'recipe and our config run 50)')
_NIN = ('RotNet NIN, 4 blocks (4 rotations)',
        'CIFAR-10, 200 epochs (official code)')
_R50 = ('RotNet ResNet-50 (4 rotations)', 'ImageNet-1k, 70 epochs')


def _layers(names: Sequence[str], values: Sequence[str]) -> tuple:
    return tuple(zip(names, values))


REFERENCES: List[Reference] = [
    Reference(
        PAPER, *_ALEXNET, 'ImageNet-1k linear classification',
        'frozen conv1..conv5, adaptive max-pool to about 9k dims, '
        'BN + Linear, 35 epochs; top-1',
        _layers([f'conv{i}' for i in range(1, 6)],
                ['18.8', '31.7', '38.7', '38.2', '36.5']), ALEXNET),
    Reference(PAPER, *_ALEXNET, 'ImageNet-1k non-linear classification',
              'frozen conv4 / conv5, 4096-4096-1000 MLP, 40 epochs; top-1',
              (('conv4', '50.0'), ('conv5', '43.8'),
               ('supervised AlexNet conv5', '59.7')), ALEXNET),
    Reference(PAPER, *_ALEXNET, 'PASCAL VOC 2007 classification',
              'all layers fine-tuned; mAP', (('mAP', '72.97'), ), ALEXNET),
    Reference(PAPER, *_ALEXNET, 'PASCAL VOC 2007 detection',
              'Fast R-CNN, fine-tuned; mAP', (('mAP', '54.4'), ), ALEXNET),
    Reference(PAPER, *_ALEXNET, 'PASCAL VOC 2012 segmentation',
              'FCN, fine-tuned; mIoU', (('mIoU', '39.1'), ), ALEXNET),
    Reference(PAPER, *_ALEXNET, 'Rotation prediction (pretext task)',
              'accuracy of the 4-way rotation classifier (approximate)',
              (('accuracy (about)', '89.0'), ), ALEXNET),
    Reference(
        PAPER, *_NIN, 'CIFAR-10 non-linear classification',
        'frozen block i, 200-200-10 MLP, 100 epochs; top-1',
        _layers([f'block{i}' for i in range(1, 5)],
                ['85.07', '89.06', '86.21', '61.73']), NIN4),
    Reference(
        PAPER, *_NIN, 'CIFAR-10 conv classification',
        'frozen block 2, a new NIN block 3 + pool + Linear, '
        '100 epochs; top-1', (('block2', '91.16'), ), NIN4),
    Reference(
        MMSELFSUP, *_R50, 'PASCAL VOC 2007 SVM',
        'linear SVM per class on pooled frozen features; mAP of the '
        'best layer', (('feature4 (best)', '67.70'), ), R50),
    Reference(
        MMSELFSUP, *_R50, 'PASCAL VOC 2007 low-shot SVM',
        'k positives per class, mean mAP over 5 samples, best layer',
        _layers([f'k={k}' for k in (1, 2, 4, 8, 16, 32, 64, 96)], [
            '20.60', '24.35', '31.41', '39.17', '46.56', '53.37', '59.14',
            '62.42'
        ]), R50),
    Reference(
        MMSELFSUP, *_R50, 'ImageNet-1k linear classification, multi-head',
        'frozen feature1..5, avg-pooled to about 9k dims, BN + Linear, '
        '90 epochs; top-1',
        _layers([f'feature{i}' for i in range(1, 6)],
                ['12.15', '31.99', '44.57', '54.20', '45.94']), R50),
    Reference(
        MMSELFSUP, *_R50, 'ImageNet-1k linear classification',
        'frozen backbone, global avg-pool + Linear, 100 epochs '
        '(mmselfsup 1.x); top-1', (('AvgPool', '47.0'), ), R50),
    Reference(
        MMSELFSUP, *_R50, 'Places205 linear classification, multi-head',
        'frozen feature1..5, as on ImageNet; top-1',
        _layers([f'feature{i}' for i in range(1, 6)],
                ['18.94', '34.72', '44.53', '46.30', '44.12']), R50),
    Reference(
        MMSELFSUP, *_R50, 'ImageNet-1k kNN',
        'weighted kNN on the globally pooled last stage; top-1',
        _layers([f'k={k}' for k in (10, 20, 100, 200)],
                ['11.0', '11.9', '12.6', '12.4']), R50),
    Reference(
        MMSELFSUP, *_R50, 'ImageNet-1k semi-supervised',
        '1% / 10% labels, whole network fine-tuned (OpenSelfSup, an '
        'older model); top-1', (('1%', '18.98'), ('10%', '54.75')), R50),
    Reference(MMSELFSUP, *_R50, 'PASCAL VOC 2007+2012 detection',
              'Faster R-CNN R50-C4, 24k iterations; AP50',
              (('AP50', '79.67'), ), R50),
    Reference(MMSELFSUP, *_R50, 'COCO 2017 detection and instance seg.',
              'Mask R-CNN R50-FPN 1x; box / mask mAP',
              (('box mAP', '37.9'), ('mask mAP', '34.2')), R50),
    Reference(MMSELFSUP, *_R50, 'PASCAL VOC 2012 aug segmentation',
              'FCN R50-D8, 512x512, 20k iterations; mIoU',
              (('mIoU', '64.31'), ), R50),
]


def render_references(references: Sequence[Reference] = REFERENCES) -> str:
    """The reference table in markdown, with its heading and a note that
    these are not our results."""
    lines = [
        '### Published reference results', '',
        'Figures reported by their authors for their own models: the '
        'references our runs are compared with, not results of this '
        "repository's configs (they are in no metafile `Results`). "
        '"Recipe here" is our pretraining config that follows the same '
        'recipe; its own runs are in the tables above. Sources: ' +
        '; '.join(f'{name}: {CITATIONS[name]}'
                  for name in sorted({ref.source
                                      for ref in references})) + '.', '',
        '| Source | Pretrained model | Pretraining | Benchmark | Protocol | '
        'Results (%) | Recipe here |', '|---|---|---|---|---|---|---|'
    ]
    for ref in references:
        results = ', '.join(f'{name} {value}' for name, value in ref.results)
        recipe = f'`{ref.recipe}`' if ref.recipe else ''
        lines.append(f'| {ref.source} | {ref.model} | {ref.pretraining} | '
                     f'{ref.benchmark} | {ref.protocol} | {results} | '
                     f'{recipe} |')
    return '\n'.join(lines) + '\n'


def references_as_dicts(
        references: Sequence[Reference] = REFERENCES) -> List[dict]:
    """JSON-ready references (for ``docs/model_zoo.json``)."""
    return [
        dict(
            source=ref.source,
            model=ref.model,
            pretraining=ref.pretraining,
            benchmark=ref.benchmark,
            protocol=ref.protocol,
            results={
                name: float(value)
                for name, value in ref.results
            },
            recipe=ref.recipe) for ref in references
    ]
