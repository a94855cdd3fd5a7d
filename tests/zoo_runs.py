# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""One tiny real pretraining run (the digits ResNet-18 config, 1 epoch on a
subset) and benchmark runs on it, shared by the model-zoo, demo and
visualization tests (``zoo_runs``, made available to every test by
``tests/conftest.py``).
"""
import glob
import json
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from tests.conftest import REPO, run_tool


def repo_config(pattern: str) -> str:
    """The single repo config matching a glob (names change with
    schedules)."""
    found = sorted(glob.glob(osp.join(REPO, pattern)))
    assert len(found) == 1, (pattern, found)
    return found[0]


def _loader_options(prefix: str, root: str, batch: int) -> list:
    return [
        f'{prefix}.dataset.data_root={root}',
        f'{prefix}.batch_size={batch}',
        f'{prefix}.num_workers=0',
        f'{prefix}.persistent_workers=False',
    ]


def _write_features(folder: str, checkpoint: str) -> None:
    """Separable VOC-format features (the extract.py layout) naming the
    pretraining checkpoint, as the SVM tool's input."""
    rng = np.random.default_rng(0)
    for split, num in (('trainval', 24), ('test', 12)):
        targets = np.zeros((num, 3), np.int64)
        targets[np.arange(num), np.arange(num) % 3] = 1
        layers = {}
        for layer, noise in (('feature4', 0.1), ('feature5', 3.0)):
            feats = rng.normal(0, noise, (num, 6)).astype(np.float32)
            feats[:, :3] += targets
            np.save(osp.join(folder, f'{split}_{layer}.npy'), feats)
            layers[layer] = 6
        np.save(osp.join(folder, f'{split}_labels.npy'), targets)
        with open(osp.join(folder, f'{split}_meta.json'), 'w') as f:
            json.dump(
                dict(
                    split=split,
                    num_samples=num,
                    layers=layers,
                    label_format='voc',
                    classes=['a', 'b', 'c'],
                    img_paths=[],
                    checkpoint=checkpoint,
                    seconds=0.), f)


def _digits_probe(config: str, work_dir, data: str, options: list) -> None:
    run_tool([
        'python',
        osp.join(REPO, 'tools', 'train.py'),
        repo_config('benchmarks/classification/digits/' +
                    config), '--work-dir',
        str(work_dir), '--cfg-options'
    ] + _loader_options('train_dataloader', data, 30) +
             _loader_options('val_dataloader', data, 30) +
             _loader_options('test_dataloader', data, 30) +
             ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1'] + options)


@pytest.fixture(scope='session')
def zoo_runs(tmp_path_factory):
    """``work/pretrain`` (digits RotNet, with validation) and benchmark runs
    attributed to it in each way the collector knows: nested in it (the
    ImageNet multi-head probe), naming its checkpoint in features (SVM), on
    a converted backbone copy (the digits per-layer probes, outside it, as
    ``dist_train_linear.sh`` runs them) and on a copied checkpoint (kNN);
    baselines without pretrained weights (random init and raw-pixel digits
    probes); an SVM run on a foreign checkpoint (unattributable)."""
    from mmselfsup_rot.datasets.miniature import make_digits_imagenet
    from mmselfsup_rot.downstream import save_backbone_checkpoint
    root = tmp_path_factory.mktemp('zoo')
    data = str(root / 'digits')
    make_digits_imagenet(data, size=32, limit=60)
    work = root / 'work'
    pretrain = work / 'pretrain'
    pre_cfg = repo_config('configs/rotation-pred_resnet18_*_digits.py')
    run_tool(
        [
            'python',
            osp.join(REPO, 'tools', 'train.py'), pre_cfg, '--work-dir',
            str(pretrain), '--cfg-options'
        ] + _loader_options('train_dataloader', data, 16) +
        _loader_options('val_dataloader', data, 30) +
        _loader_options('test_dataloader', data, 30) + [
            'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
            'default_hooks.logger.interval=1',
            'default_hooks.checkpoint.interval=1', 'param_scheduler.0.end=2'
        ])
    ckpt = str(pretrain / 'epoch_1.pth')
    probes = work / 'probes'
    probe = probes / 'rotnet'
    converted = save_backbone_checkpoint(
        ckpt, str(probe / 'pretrained_backbone.pth'))
    _digits_probe('multi-head-linear_resnet18_*_digits.py', probe, data,
                  [f'model.backbone.init_cfg.checkpoint={converted}'])
    random_init = probes / 'random_init'
    _digits_probe('multi-head-linear_resnet18_*_digits_random-init.py',
                  random_init, data, [])
    pixels = probes / 'pixels'
    _digits_probe('multi-head-linear_pixels_*_digits.py', pixels, data, [])
    features = work / 'svm' / 'features'
    foreign = work / 'foreign' / 'features'
    foreign_ckpt = str(work / 'foreign' / 'other_model.pth')
    for folder, source in ((features, ckpt), (foreign, foreign_ckpt)):
        folder.mkdir(parents=True)
        _write_features(str(folder), source)
    torch.save({'state_dict': {'backbone.w': torch.zeros(2)}}, foreign_ckpt)
    for folder, extra in ((features, [
            '--low-shot', '--k-values', '1', '2', '--num-samples', '2'
    ]), (foreign, [])):
        run_tool([
            'python',
            osp.join(REPO, 'tools', 'benchmarks', 'svm_voc07.py'),
            str(folder), '--jobs', '1'
        ] + extra)
    # the published multi-head config (224 px pipelines) on a ResNet-18:
    # its pooling windows give 9216/2304/2048/2304/2048 dims
    multi_head = pretrain / 'multi_head'
    run_tool([
        'python',
        osp.join(REPO, 'tools', 'train.py'),
        repo_config('benchmarks/classification/imagenet/'
                    'multi-head-linear_resnet50_*_in1k.py'), '--work-dir',
        str(multi_head), '--cfg-options'
    ] + _loader_options('train_dataloader', data, 30) +
             _loader_options('val_dataloader', data, 30) +
             _loader_options('test_dataloader', data, 30) + [
                 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                 'model.backbone.depth=18', 'model.head.num_classes=10',
                 'model.head.in_channels=[9216,2304,2048,2304,2048]',
                 f'model.backbone.init_cfg.checkpoint={ckpt}'
             ])
    # kNN on features extracted with the published kNN config, from a copy
    # of the checkpoint (attributed by content)
    copy = str(work / 'copies' / 'rotnet.pth')
    (work / 'copies').mkdir()
    shutil.copy(ckpt, copy)
    knn = work / 'knn' / 'features'
    run_tool([
        'python',
        osp.join(REPO, 'tools', 'benchmarks', 'extract.py'),
        repo_config('benchmarks/classification/imagenet/knn_resnet50_*.py'),
        '--checkpoint', copy, '--out-dir',
        str(knn), '--cfg-options', 'model.backbone.depth=18'
    ] + _loader_options('extract_dataloaders.train', data, 30) +
             _loader_options('extract_dataloaders.val', data, 30))
    run_tool([
        'python',
        osp.join(REPO, 'tools', 'benchmarks', 'knn.py'),
        str(knn), '--ks', '10', '20'
    ])
    return dict(
        root=root,
        work=work,
        pretrain=pretrain,
        probe=probe,
        converted=converted,
        random_init=random_init,
        pixels=pixels,
        multi_head=multi_head,
        knn=knn,
        copy=copy,
        features=features,
        foreign=foreign,
        foreign_checkpoint=foreign_ckpt,
        checkpoint=ckpt,
        config=pre_cfg,
        data=data)
