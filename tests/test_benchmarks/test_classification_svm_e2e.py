# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: VOC2007 devkit miniature -> distributed feature extraction
-> VOC07 SVM and low-shot SVM tables, through the launchers."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.models.backbones import ResNet
from mmpretrain.registry import MODELS

from mmselfsup_rot.datasets.miniature import make_voc
from mmselfsup_rot.downstream import extract_features, load_backbone_weights
from mmselfsup_rot.utils.checkpoint import CheckpointError
from mmselfsup_rot.utils.launch import free_port
from tests.conftest import REPO, run_tool

pytestmark = pytest.mark.slow
CLASSES = ['cat', 'dog', 'car']


@pytest.fixture(scope='module')
def voc_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('voc')
    devkit = make_voc(
        str(root),
        images_per_split=9,
        size=48,
        classes=CLASSES,
        with_segmentation=False)
    voc = osp.join(devkit, 'VOC2007') + '/'
    base = osp.join(REPO, 'benchmarks', 'svm_voc07',
                    'resnet50_feature1-5_voc07.py')
    loader = ('dict(batch_size=4, num_workers=0, dataset=dict('
              f'data_root={voc!r}, pipeline=pipe, '
              f'metainfo=dict(classes={CLASSES!r})))')
    cfg = root / 'extract_cfg.py'
    cfg.write_text(
        f'_base_ = [{base!r}]\n'
        "pipe = [dict(type='LoadImageFromFile'),\n"
        "        dict(type='Resize', scale=(32, 32)),\n"
        "        dict(type='PackInputs')]\n"
        f'extract_dataloaders = dict(trainval={loader}, test={loader})\n'
        'model = dict(backbone=dict(depth=18), neck=dict(pools=[\n'
        "    dict(type='AdaptiveAvgPool2d', output_size=1)] * 5))\n")
    # a full RotationPred-style checkpoint (backbone + rotation head)
    torch.manual_seed(0)
    state = {f'backbone.{k}': v for k, v in ResNet(18).state_dict().items()}
    state['head.fc.weight'] = torch.zeros(4, 512)
    ckpt = root / 'rotation_pred.pth'
    torch.save({'state_dict': state, 'meta': {}}, ckpt)
    return str(cfg), str(ckpt), root


def _single_process_features(cfg_path, ckpt, split):
    cfg = Config.fromfile(cfg_path)
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    model.init_weights()
    load_backbone_weights(model.backbone, ckpt)
    loader = Runner.build_dataloader(cfg.extract_dataloaders[split])
    return extract_features(model, loader, cfg.layer_names)


def test_extract_two_processes_then_svm_tables(voc_setup):
    cfg, ckpt, root = voc_setup
    work = root / 'dist'
    proc = run_tool([
        'bash',
        osp.join(REPO, 'benchmarks', 'svm_voc07',
                 'extract_and_svm.sh'), cfg, ckpt, '2', '--layers', 'feature4',
        'feature5', '--low-shot', '--k-values', '1', '2', '--num-samples', '2'
    ],
                    env=dict(PORT=str(free_port()), WORK_DIR=str(work)))
    feats = work / 'features'
    for split, num in (('trainval', 18), ('test', 9)):
        meta = json.loads((feats / f'{split}_meta.json').read_text())
        assert meta['num_samples'] == num and meta['label_format'] == 'voc'
        assert meta['layers'] == {
            'feature1': 64,
            'feature2': 64,
            'feature3': 128,
            'feature4': 256,
            'feature5': 512
        }
        assert meta['checkpoint'] == ckpt
        labels = np.load(feats / f'{split}_labels.npy')
        assert labels.shape == (num, 3)
        # the first object of image k is class k % 3: always present
        assert (labels[np.arange(num), np.arange(num) % 3] == 1).all()
        single = _single_process_features(cfg, ckpt, split)
        for layer in meta['layers']:
            # two processes give the features of one, in dataset order
            np.testing.assert_allclose(
                np.load(feats / f'{split}_{layer}.npy'),
                single[layer],
                rtol=1e-5,
                atol=1e-6)
    out = proc.stdout
    assert '| layer | VOC07 SVM mAP |' in out
    assert '| layer | k=1 | k=2 |' in out
    assert 'Time taken:' in out
    results = json.loads((feats / 'svm_results.json').read_text())
    assert list(results) == ['feature4', 'feature5']
    for layer, res in results.items():
        assert 0 < res['mAP'] <= 100 and len(res['ap']) == 3
        assert f'| {layer} | {res["mAP"]:.2f} |' in out
    low = json.loads((feats / 'low_shot_results.json').read_text())
    assert [r['k'] for r in low['feature5']] == [1, 2]
    # progress with an ETA: 3 classes per SVM, 2 x 2 x 3 x 3 low-shot fits
    assert 'SVM: 3 classes x 3 costs x 3 folds' in out
    assert 'low-shot SVM: 36 fits' in out and '36/36' in out
    assert 'ETA' in out
    for plot in ('svm_voc07.png', 'low_shot.png'):
        assert (feats / plot).stat().st_size > 0


def test_weights_load_and_bad_checkpoint_is_clear(voc_setup):
    cfg, ckpt, root = voc_setup
    model = MODELS.build(Config.fromfile(cfg).model)
    load_backbone_weights(model.backbone, ckpt)
    expected = torch.load(ckpt)['state_dict']['backbone.conv1.weight']
    assert torch.equal(model.backbone.conv1.weight, expected)
    bad = root / 'bad.pth'
    torch.save({'state_dict': {'head.fc.weight': torch.zeros(1)}}, bad)
    with pytest.raises(CheckpointError, match='none under "backbone."'):
        load_backbone_weights(model.backbone, str(bad))


def test_bn_alexnet_svm_config_with_the_papers_pooling(voc_setup,
                                                       mini_imagenet,
                                                       tmp_path_factory):
    """The BN-AlexNet SVM config as published (resize 256, crop 224,
    conv1..conv5 max-pooled to 9216/9408/9600/9216/9216 dims) from a RotNet
    checkpoint of our own AlexNet pretraining config."""
    from tests.test_benchmarks.transfer_helpers import rotnet_checkpoint
    _, _, root = voc_setup
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'alexnet')
    voc = osp.join(root, 'VOCdevkit', 'VOC2007') + '/'
    base = osp.join(REPO, 'benchmarks', 'svm_voc07',
                    'bn-alexnet_conv1-5_voc07.py')
    loader = ('dict(batch_size=9, num_workers=0, dataset=dict('
              f'data_root={voc!r}, metainfo=dict(classes={CLASSES!r})))')
    cfg = root / 'alexnet_cfg.py'
    cfg.write_text(f'_base_ = [{base!r}]\n'
                   f'extract_dataloaders = dict(trainval={loader}, '
                   f'test={loader})\n')
    feats = root / 'alexnet_features'
    run_tool([
        'python',
        osp.join(REPO, 'tools', 'benchmarks', 'extract.py'),
        str(cfg), '--checkpoint', ckpt, '--out-dir',
        str(feats)
    ])
    meta = json.loads((feats / 'test_meta.json').read_text())
    assert meta['layers'] == {
        'conv1': 9216,
        'conv2': 9408,
        'conv3': 9600,
        'conv4': 9216,
        'conv5': 9216
    }
    proc = run_tool([
        'python',
        osp.join(REPO, 'tools', 'benchmarks', 'svm_voc07.py'),
        str(feats), '--jobs', '1'
    ])
    results = json.loads((feats / 'svm_results.json').read_text())
    assert list(results) == ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']
    for layer, res in results.items():
        assert 0 < res['mAP'] <= 100
        assert f'| {layer} | {res["mAP"]:.2f} |' in proc.stdout


def test_launcher_gives_cfg_options_to_the_extraction(voc_setup, tmp_path):
    cfg, ckpt, root = voc_setup
    # the data moved: without the option the extraction finds no devkit
    moved = tmp_path / 'VOC2007'
    (root / 'VOCdevkit' / 'VOC2007').rename(moved)
    try:
        proc = run_tool([
            'bash',
            osp.join(REPO, 'benchmarks', 'svm_voc07', 'extract_and_svm.sh'),
            cfg, ckpt, '1', '--layers', 'feature5', '--cfg-options',
            f'extract_dataloaders.trainval.dataset.data_root={moved}/',
            f'extract_dataloaders.test.dataset.data_root={moved}/'
        ],
                        env=dict(
                            PORT=str(free_port()),
                            WORK_DIR=str(tmp_path / 'work')))
    finally:
        moved.rename(root / 'VOCdevkit' / 'VOC2007')
    feats = tmp_path / 'work' / 'features'
    for split, num in (('trainval', 18), ('test', 9)):
        meta = json.loads((feats / f'{split}_meta.json').read_text())
        assert meta['num_samples'] == num
    # the options after --cfg-options's values still reach the SVM step
    results = json.loads((feats / 'svm_results.json').read_text())
    assert list(results) == ['feature5']
    assert '| feature5 |' in proc.stdout
