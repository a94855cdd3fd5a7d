# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: kNN on features extracted with the published kNN config,
and the semi-supervised subset + learning-rate grid configs."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import DATASETS, MODELS

from mmselfsup_rot.downstream import (extract_features, knn_classify,
                                      make_subset_ann)
from tests.conftest import REPO

pytestmark = pytest.mark.slow
IMAGENET = osp.join(REPO, 'benchmarks', 'classification', 'imagenet')


def test_knn_config_end_to_end(mini_imagenet):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(IMAGENET, 'knn_resnet50_in1k.py'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    feats = {}
    for split in ('train', 'val'):
        loader_cfg = cfg.extract_dataloaders[split]
        loader_cfg.update(batch_size=4, num_workers=0)
        loader_cfg.dataset.data_root = mini_imagenet
        loader_cfg.dataset.pipeline[1].scale = 40
        loader_cfg.dataset.pipeline[2].crop_size = 32
        loader = Runner.build_dataloader(loader_cfg)
        feats[split] = extract_features(model, loader, cfg.layer_names)
        labels = [
            loader.dataset.get_data_info(i)['gt_label']
            for i in range(len(loader.dataset))
        ]
        feats[split]['labels'] = labels
    assert feats['train']['feature5'].shape == (8, 2048)
    res = knn_classify(
        feats['train']['feature5'],
        feats['train']['labels'],
        feats['val']['feature5'],
        feats['val']['labels'],
        ks=(1, 8))
    assert set(res) == {1, 8}
    # 2 classes: top-5 contains every class
    assert res[8]['top5'] == 100.0 and 0 <= res[1]['top1'] <= 100


@pytest.mark.parametrize('pct', [1, 10])
def test_semi_sup_subset_and_lr_grid(mini_imagenet, tmp_path, pct):
    init_default_scope('mmpretrain')
    ann = osp.join(tmp_path, 'meta', f'train_{pct}percent.txt')
    assert make_subset_ann(
        osp.join(mini_imagenet, 'meta', 'train.txt'), ann,
        fraction=pct / 100) == 2  # at least one image per class
    cfg = Config.fromfile(
        osp.join(IMAGENET, 'semi_sup',
                 f'resnet50_semi-sup-{pct}pct_4xb64-steplr-20e_in1k.py'))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = str(tmp_path)
    ds_cfg.data_prefix = osp.join(mini_imagenet, 'train')
    dataset = DATASETS.build(ds_cfg)
    assert len(dataset) == 2
    assert osp.isfile(dataset.get_data_info(0)['img_path'])
    # one grid point: base lr 0.1, head lr x 10
    cfg.merge_from_dict({
        'optim_wrapper.optimizer.lr':
        0.1,
        'optim_wrapper.paramwise_cfg.custom_keys.head.lr_mult':
        10,
        'model.backbone.norm_cfg.type':
        'BN',
        'model.backbone.init_cfg':
        None,
    })
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = {
        id(p): g['lr']
        for g in optim.optimizer.param_groups
        for p in g['params']
    }
    assert lrs[id(model.head.fc.weight)] == pytest.approx(1.0)
    assert lrs[id(model.backbone.conv1.weight)] == pytest.approx(0.1)
