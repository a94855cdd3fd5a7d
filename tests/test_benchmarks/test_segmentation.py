# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: the mmseg transfer configs fine-tune for two iterations
through ``tools/benchmarks/dist_train_transfer.sh`` (torchrun, gloo on CPU)
from a RotNet checkpoint of our own pretraining config, on generated VOC /
Cityscapes miniatures, then evaluate and print the mIoU table."""
import os.path as osp
import re

import pytest

from mmselfsup_rot.utils.source_checkpoint import (file_sha256,
                                                   read_source_record)
from tests.test_benchmarks.transfer_helpers import launch, rotnet_checkpoint

pytestmark = pytest.mark.slow

VOC_AUG_CFG = 'voc12aug/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'
CITY_CFG = 'cityscapes/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py'
ALEX_CFG = 'voc12/fcn_alexnet-bn-conv5_4xb4-20k_voc12-512x512.py'


@pytest.fixture(scope='module')
def voc12(tmp_path_factory):
    from mmselfsup_rot.datasets.miniature import make_voc
    devkit = make_voc(
        str(tmp_path_factory.mktemp('voc12')),
        years=('2012', ),
        images_per_split=2,
        size=(80, 64),
        num_aug=2)
    return f'{devkit}/VOC2012'


def _common(crop=64):
    return [
        'train_cfg.max_iters=2',
        'train_dataloader.batch_size=1',
        'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0',
        f'model.data_preprocessor.size=({crop},{crop})',
        'default_hooks.logger.interval=1',
        'randomness.seed=0',
    ]


def _test_loaders(data_root):
    return [
        f'{loader}.dataset.{key}'
        for loader in ('val_dataloader', 'test_dataloader')
        for key in (f'data_root={data_root}', 'pipeline.1.scale=(96,64)')
    ]


def _train_set(prefix, data_root, crop=64):
    # RandomResize to about the image size, then the crop
    return [
        f'{prefix}.data_root={data_root}',
        f'{prefix}.pipeline.2.scale=(96,64)',
        f'{prefix}.pipeline.3.crop_size=({crop},{crop})',
    ]


def _assert_miou(out, config):
    assert re.search(r'\| +Class +\| +IoU +\| +Acc +\|', out)  # the table
    assert re.search(
        rf'Transfer result of {re.escape(config)}: '
        r'.*mIoU: [\d.]+', out)


def test_fcn_r50_voc12aug(voc12, mini_imagenet, tmp_path_factory, tmp_path):
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'resnet50')
    options = _common() + _test_loaders(voc12)
    for idx in range(2):  # SegmentationClass train + SegmentationClassAug
        prefix = f'train_dataloader.dataset.datasets.{idx}'
        options += _train_set(prefix, voc12) + [
            f'{prefix}.pipeline.6.size=(64,64)'  # Pad
        ]
    out = launch('mmsegmentation', VOC_AUG_CFG, ckpt, tmp_path, options).stdout
    # the plain stem loads: every tensor of the checkpoint is used
    assert 'backbone loads 318/318 tensors' in out
    assert 'Pretrained weights verified: 318 tensors equal' in out
    assert 'Iter(train) [2/2]' in out
    _assert_miou(out, osp.basename(VOC_AUG_CFG))


def test_fcn_r50_cityscapes(mini_imagenet, tmp_path_factory, tmp_path):
    from mmselfsup_rot.datasets.miniature import make_cityscapes
    city = make_cityscapes(
        str(tmp_path_factory.mktemp('cityscapes')),
        num_train=2,
        num_val=1,
        size=(96, 48))
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'resnet50')
    options = _common() + _test_loaders(city) + _train_set(
        'train_dataloader.dataset', city) + [
            'model.test_cfg.crop_size=(64,64)',
            'model.test_cfg.stride=(48,48)',
        ]
    out = launch('mmsegmentation', CITY_CFG, ckpt, tmp_path, options).stdout
    assert 'backbone loads 318/318 tensors' in out
    assert 'Iter(train) [2/2]' in out
    _assert_miou(out, osp.basename(CITY_CFG))


def test_fcn_alexnet_voc12(voc12, mini_imagenet, tmp_path_factory, tmp_path):
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'alexnet')
    options = _common() + _test_loaders(voc12) + _train_set(
        'train_dataloader.dataset', voc12)
    # two gloo processes: the distributed path of the launcher
    out = launch(
        'mmsegmentation', ALEX_CFG, ckpt, tmp_path, options, gpus=2).stdout
    assert 'gloo backend with 2 CPU processes' in out
    assert 'backbone loads 35/35 tensors' in out
    assert 'Pretrained weights verified: 35 tensors equal' in out
    # the launcher's atomic checkpoints and non-finite-loss stop
    assert re.search(r'\) AtomicCheckpointHook', out)
    assert re.search(r'\) NonFiniteLossHook', out)
    _assert_miou(out, osp.basename(ALEX_CFG))
    # the run went to WORK_DIR, which names the checkpoint it evaluates
    # (written once, by rank 0)
    assert (tmp_path / 'pretrained_backbone.pth').is_file()
    record = read_source_record(str(tmp_path))
    assert record['checkpoint'] == ckpt
    assert record['sha256'] == file_sha256(ckpt)
    assert record['tool'] == 'tools/benchmarks/train_transfer.py'


def test_launcher_checks_the_label_maps_first(voc12, tmp_path):
    """VOC12aug without the converter's SegmentationClassAug: one line
    naming the missing label maps, before anything is built."""
    options = _common() + _test_loaders(voc12)
    for idx in range(2):
        options += _train_set(f'train_dataloader.dataset.datasets.{idx}',
                              voc12)
    options.append('train_dataloader.dataset.datasets.1.data_prefix.'
                   'seg_map_path=SegmentationClassMissing')
    proc = launch(
        'mmsegmentation', VOC_AUG_CFG, 'none', tmp_path, options, check=False)
    assert proc.returncode != 0
    assert re.search(
        r'^Dataset error: train_dataloader\.dataset\.datasets\.1: no \*\.png '
        rf'label maps under {re.escape(voc12)}/SegmentationClassMissing ',
        proc.stdout, re.MULTILINE), proc.stdout[-3000:]
    assert 'Iter(train)' not in proc.stdout


def test_launcher_refuses_a_backbone_that_would_not_load(
        voc12, mini_imagenet, tmp_path_factory, tmp_path):
    """A ResNet-50 RotNet checkpoint given to the AlexNet FCN: the launcher
    stops with one line instead of training from random init."""
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'resnet50')
    options = _common() + _test_loaders(voc12) + _train_set(
        'train_dataloader.dataset', voc12)
    proc = launch(
        'mmsegmentation', ALEX_CFG, ckpt, tmp_path, options, check=False)
    assert proc.returncode != 0
    assert re.search(
        r'^error: The pretrained backbone does not fit the model: backbone:'
        r' none of its \d+ tensors', proc.stdout, re.MULTILINE), \
        proc.stdout[-3000:]
    assert 'Iter(train)' not in proc.stdout
