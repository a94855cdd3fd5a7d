# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: the published multi-head linear evaluation config trains on
a miniature ImageNet with a frozen backbone and reports one score per
layer; Places205 / iNat18 configs read their released layouts."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.models.backbones import ResNet
from mmpretrain.registry import DATASETS

from mmselfsup_rot.datasets.miniature import make_inat2018, make_places205
from mmselfsup_rot.downstream import save_backbone_checkpoint
from tests.conftest import REPO

pytestmark = pytest.mark.slow
CLS = osp.join(REPO, 'benchmarks', 'classification')


def test_multi_head_linear_eval_resnet50(mini_imagenet, tmp_path):
    torch.manual_seed(0)
    full = {f'backbone.{k}': v for k, v in ResNet(50).state_dict().items()}
    full['head.fc.weight'] = torch.zeros(4, 2048)
    torch.save({'state_dict': full}, tmp_path / 'rotnet.pth')
    ckpt = save_backbone_checkpoint(
        str(tmp_path / 'rotnet.pth'), str(tmp_path / 'backbone.pth'))
    cfg = Config.fromfile(
        osp.join(CLS, 'imagenet',
                 'multi-head-linear_resnet50_8xb32-steplr-90e_in1k.py'))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.model.backbone.init_cfg.checkpoint = ckpt
    cfg.model.head.num_classes = 2
    # 40 px images: global pooling instead of the 224 px pooling windows
    cfg.model.neck.pools = [dict(type='AdaptiveAvgPool2d', output_size=1)] * 5
    cfg.model.head.in_channels = [64, 256, 512, 1024, 2048]
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = mini_imagenet
    cfg.train_dataloader.dataset.pipeline[1].scale = 32
    cfg.val_dataloader.dataset.pipeline[1].scale = 40
    cfg.val_dataloader.dataset.pipeline[2].crop_size = 32
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    cfg.default_hooks.logger.interval = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    for layer in range(1, 6):
        # 2 classes: top-5 is skipped, top-1 is reported for every layer
        assert 0 <= metrics[f'multi-head/feature{layer}_top1'] <= 100
    assert not any(k.endswith('top5') for k in metrics)
    # frozen backbone in eval mode: weights and BN statistics unchanged
    state = runner.model.backbone.state_dict()
    for key, value in state.items():
        assert torch.equal(value, full[f'backbone.{key}']), key


def test_places205_and_inat18_configs_read_released_layouts(tmp_path):
    init_default_scope('mmpretrain')
    places = make_places205(str(tmp_path / 'places205'))
    inat = make_inat2018(str(tmp_path / 'inat18'))
    for sub, root, num_train, num_val in (('places205', places, 12, 6),
                                          ('inat18', inat, 12, 6)):
        name = (f'multi-head-linear_resnet50_8xb32-steplr-90e_{sub}.py')
        cfg = Config.fromfile(osp.join(CLS, sub, name))
        for key, num in (('train_dataloader', num_train), ('val_dataloader',
                                                           num_val)):
            ds_cfg = cfg[key].dataset
            ds_cfg.data_root = root
            dataset = DATASETS.build(ds_cfg)
            assert len(dataset) == num
            labels = [dataset.get_data_info(i)['gt_label'] for i in range(num)]
            assert sorted(set(labels)) == [0, 1, 2]
            item = dataset[0]
            assert item['inputs'].shape[-2:] == (224, 224)
