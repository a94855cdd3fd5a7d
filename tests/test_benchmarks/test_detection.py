# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: the mmdet transfer configs fine-tune for two iterations
through ``tools/benchmarks/dist_train_transfer.sh`` (torchrun, gloo on CPU)
from a RotNet checkpoint of our own pretraining config, on generated VOC /
COCO miniatures, then test and print the metric."""
import re

import pytest

from tests.test_benchmarks.transfer_helpers import launch, rotnet_checkpoint

pytestmark = pytest.mark.slow

C4_CFG = 'voc0712/faster-rcnn_r50-c4_8xb2-ms-24k_voc0712.py'
MASK_CFG = 'coco/mask-rcnn_r50-fpn_8xb2-ms-1x_coco.py'
ALEX_CFG = 'voc07/faster-rcnn_alexnet-bn-conv5_8xb2-12k_voc07.py'


@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    from mmselfsup_rot.datasets.miniature import make_voc
    return make_voc(
        str(tmp_path_factory.mktemp('voc')),
        years=('2007', '2012'),
        images_per_split=2,
        size=(80, 64),
        with_segmentation=False)


def _common(loop='train_cfg.max_iters=2'):
    """Two steps of one image, validation (= test set) once at the end,
    and far fewer proposals/RoIs than the recipes (CPU time)."""
    return [
        loop,
        'train_dataloader.batch_size=1',
        'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0',
        'default_hooks.logger.interval=1',
        'model.train_cfg.rpn_proposal.max_per_img=50',
        'model.train_cfg.rcnn.sampler.num=16',
        'model.test_cfg.rpn.max_per_img=20',
        # keep every box of the barely trained model, so that the metric
        # is computed on real detections
        'model.test_cfg.rcnn.score_thr=0.0',
        'randomness.seed=0',
    ]


def _voc_test(voc):
    return [
        f'{loader}.dataset.{key}'
        for loader in ('val_dataloader', 'test_dataloader')
        for key in (f'data_root={voc}/', 'pipeline.1.scale=(96,64)')
    ]


def _losses(stdout):
    return [float(v) for v in re.findall(r' loss: ([-\d.e+naif]+)', stdout)]


def test_faster_rcnn_c4_voc0712(voc, mini_imagenet, tmp_path_factory,
                                tmp_path):
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'resnet50')
    options = _common() + _voc_test(voc)
    for idx in range(2):  # VOC2007 and VOC2012 trainval
        ds = f'train_dataloader.dataset.datasets.{idx}'
        options += [
            f'{ds}.data_root={voc}/',
            f'{ds}.pipeline.2.scales=[(96,64),(112,80)]'
        ]
    out = launch('mmdetection', C4_CFG, ckpt, tmp_path, options).stdout
    # stages 1-3 in the backbone, res5 in the shared head (all but the
    # extra norm): all 318 tensors of the checkpoint are used
    assert 'backbone loads 258/258 tensors' in out
    assert 'roi_head.shared_head loads 60/65 tensors' in out
    assert 'Pretrained weights verified: 318 tensors equal' in out
    losses = _losses(out)
    assert len(losses) == 2 and all(0 < v < 100 for v in losses)
    assert re.search(r'\| mAP +\|.*\| +[\d.]+ +\|', out)  # the VOC table
    assert re.search(
        r'Transfer result of faster-rcnn_r50-c4.*'
        r'pascal_voc/mAP: [\d.]+', out)


def test_mask_rcnn_fpn_coco(mini_imagenet, tmp_path_factory, tmp_path):
    from mmselfsup_rot.datasets.miniature import make_coco
    coco = make_coco(
        str(tmp_path_factory.mktemp('coco')), num_train=2, num_val=2, size=96)
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'resnet50')
    ann = f'{coco}/annotations/instances_val2017.json'
    options = _common('train_cfg.max_epochs=1') + [
        f'train_dataloader.dataset.data_root={coco}/',
        'train_dataloader.dataset.pipeline.2.scales=[(96,64),(112,80)]',
        f'val_evaluator.ann_file={ann}',
        f'test_evaluator.ann_file={ann}',
    ] + [
        f'{loader}.dataset.{key}'
        for loader in ('val_dataloader', 'test_dataloader')
        for key in (f'data_root={coco}/', 'pipeline.1.scale=(96,64)')
    ]
    out = launch('mmdetection', MASK_CFG, ckpt, tmp_path, options).stdout
    assert 'backbone loads 318/318 tensors' in out
    assert 'Pretrained weights verified: 318 tensors equal' in out
    assert 'Epoch(train) [1][2/2]' in out
    assert 'Average Precision  (AP) @[ IoU=0.50:0.95' in out
    assert re.search(
        r'Transfer result of mask-rcnn.*coco/bbox_mAP: '
        r'[\d.]+.*coco/segm_mAP: [\d.]+', out)


def test_faster_rcnn_alexnet_conv5_voc07(voc, mini_imagenet, tmp_path_factory,
                                         tmp_path):
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'alexnet')
    options = _common() + _voc_test(voc) + [
        f'train_dataloader.dataset.data_root={voc}/',
        'train_dataloader.dataset.pipeline.2.scale=(96,64)',
    ]
    # two gloo processes: the distributed path of the launcher
    out = launch(
        'mmdetection', ALEX_CFG, ckpt, tmp_path, options, gpus=2).stdout
    assert 'gloo backend with 2 CPU processes' in out
    # conv1..conv5 (conv + BN: 7 tensors each); fc6/fc7 are allowed unused
    assert 'backbone loads 35/35 tensors' in out
    assert 'Pretrained weights verified: 35 tensors equal' in out
    assert re.search(
        r'Transfer result of faster-rcnn_alexnet.*'
        r'pascal_voc/mAP: [\d.]+', out)
