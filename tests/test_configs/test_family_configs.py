# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Feature Decoupling, AET and AVT configs train two iterations through
tools/train.py on generated miniatures (in-process), with the rotation
probabilities computed by tools/analysis/compute_rotation_probs.py; the
configs also train with tools/dist_train.sh on 2 CPU processes (Feature
Decoupling's memory bank then takes the images of both)."""
import glob
import importlib.util
import math
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.datasets.miniature import (cifar10_checksums_skipped,
                                              make_cifar10, make_imagenet)
from mmselfsup_rot.models.memories import InstanceMemoryBank
from mmselfsup_rot.utils.launch import free_port
from mmselfsup_rot.utils.logs import read_scalars
from tests.conftest import REPO, run_tool

pytestmark = pytest.mark.slow

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for pattern in ('feature-decoupling_*', 'aet-*', 'avt-*')
    for p in glob.glob(osp.join(REPO, 'configs', pattern + '.py')))
FD_CFG = 'configs/feature-decoupling_alexnet-bn_1xb192-steplr-245e_in1k.py'
ROTNET_CFG = 'configs/rotation-pred_alexnet-bn_1xb192-steplr-50e_in1k.py'


def _load_tool(*parts):
    spec = importlib.util.spec_from_file_location(
        '_'.join(parts).replace('.', '_'), osp.join(REPO, *parts))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('family_data')
    cifar = make_cifar10(
        str(root / 'cifar10'), train_per_class=1, test_per_class=1)
    folder = make_imagenet(
        str(root / 'folder'),
        num_classes=2,
        train_per_class=2,
        val_per_class=1,
        size=72)
    # a RotNet AlexNet checkpoint -> per-image rotation probabilities
    model = MODELS.build(Config.fromfile(osp.join(REPO, ROTNET_CFG)).model)
    model.init_weights()
    ckpt = str(root / 'rotnet_alexnet.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    probs = str(root / 'probs.npy')
    _load_tool('tools', 'analysis', 'compute_rotation_probs.py').main([
        osp.join(REPO, ROTNET_CFG), ckpt, '--out', probs, '--batch-size', '3',
        '--num-workers', '0', '--resize', '72', '--crop', '64', '--device',
        'cpu', '--cfg-options', f'train_dataloader.dataset.data_root={folder}'
    ])
    return dict(cifar=cifar, folder=folder, probs=probs, model=model)


def test_rotation_probs_tool_output(data):
    probs = np.load(data['probs'])
    assert probs.shape == (4, 4) and probs.dtype == np.float32
    assert np.all((probs >= 0) & (probs <= 1))
    # row 0 is dataset image 0 seen through the tool's fixed pipeline
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    from mmpretrain.datasets import ImageNet
    init_default_scope('mmpretrain')
    pipeline = Compose([
        dict(type='LoadImageFromFile'),
        dict(type='ResizeEdge', scale=72, edge='short'),
        dict(type='CenterCrop', crop_size=64),
        dict(type='PackInputs')
    ])
    item = pipeline(ImageNet(data['folder'], split='train')[0])
    model = data['model'].eval()
    batch = model.data_preprocessor(
        dict(inputs=item['inputs'][None], data_samples=[item['data_samples']]))
    with torch.no_grad():
        scores = model.predict(**batch)[0].rot_score
    assert np.allclose(probs[0], scores[:, 0].numpy(), atol=1e-5)


def _options(config: str, data: dict) -> list:
    common = [
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=10',
        'default_hooks.checkpoint.save_last=False', 'randomness.seed=0'
    ]
    if 'cifar10' in config:
        return common + [
            f'train_dataloader.dataset.data_root={data["cifar"]}',
            'train_dataloader.dataset.indices=4'
        ]
    common.append(f'train_dataloader.dataset.data_root={data["folder"]}')
    if 'feature-decoupling' in config:
        return common + [
            'train_dataloader.dataset.pipeline.1.scale=64',
            'model.memory_bank.num_samples=4',
            'model.nce_head.num_negatives=16',
            f'model.pu_probs={data["probs"]}', 'model.pu_start_epoch=0'
        ]
    return common + [
        'train_dataloader.dataset.pipeline.1.scale=72',
        'train_dataloader.dataset.pipeline.2.crop_size=64'
    ]


@pytest.mark.parametrize('config', CONFIGS)
def test_config_trains_two_iterations(config, data, tmp_path, monkeypatch):
    work = tmp_path / 'work'
    monkeypatch.setattr(sys, 'argv', [
        'train.py',
        osp.join(REPO, config), '--work-dir',
        str(work), '--cfg-options'
    ] + _options(config, data))
    with cifar10_checksums_skipped():
        _load_tool('tools', 'train.py').main()
    records = [r for r in read_scalars(str(work)) if 'loss' in r]
    assert [r['iter'] for r in records] == [1, 2]
    assert all(math.isfinite(r['loss']) for r in records)
    if 'feature-decoupling' in config:
        assert all(k in records[0]
                   for k in ('loss_cls', 'loss_mse', 'loss_nce'))
        probs = np.load(data['probs'])
        assert records[0]['pu_weight'] < 1.0  # PU weights active
        assert records[0]['pu_weight'] >= 1 - probs[:, 1:].max()**2


@pytest.mark.parametrize('config', CONFIGS)
def test_dist_train_two_cpu_processes(config, data, tmp_path):
    work = tmp_path / 'dist'
    options = _options(config, data)
    options.remove('default_hooks.checkpoint.save_last=False')
    env = dict(PORT=str(free_port()), OMP_NUM_THREADS='1')
    if 'cifar10' in config:
        # every process of the launch reads the miniature without the real
        # files' MD5 sums (see cifar10_checksums_skipped)
        site = tmp_path / 'site'
        site.mkdir()
        (site / 'sitecustomize.py').write_text(
            'from mmselfsup_rot.datasets.miniature import '
            'cifar10_checksums_skipped\n'
            '# kept referenced: a collected context would restore the sums\n'
            '_unchecked = cifar10_checksums_skipped()\n'
            '_unchecked.__enter__()\n')
        env['PYTHONPATH'] = os.pathsep.join([str(site), REPO])
    proc = run_tool(
        [
            'bash',
            osp.join(REPO, 'tools', 'dist_train.sh'),
            osp.join(REPO, config), '2', '--work-dir',
            str(work), '--cfg-options'
        ] + options + ['default_hooks.checkpoint.save_optimizer=False'],
        env=env)
    assert 'gloo backend with 2 CPU processes' in proc.stdout
    # 2 ranks x 2 images: the 4 images in one step
    assert 'Epoch(train) [1][1/1]' in proc.stdout
    records = [r for r in read_scalars(str(work)) if 'loss' in r]
    assert len(records) == 1 and math.isfinite(records[0]['loss'])
    state = torch.load(work / 'epoch_1.pth', map_location='cpu')['state_dict']
    if 'feature-decoupling' not in config:
        return
    initial = InstanceMemoryBank(num_samples=4).bank
    # rank 0 saved the bank: all 4 slots moved, both ranks' images
    assert (state['memory_bank.bank'] != initial).any(1).all()
    assert torch.allclose(state['memory_bank.bank'].norm(dim=1), torch.ones(4))


# A checkpoint of each family's pretraining config feeds the benchmark
# configs of its backbone: frozen features are exactly the pretrained ones.
EVALUATIONS = [
    ('configs/feature-decoupling_alexnet-bn_1xb192-steplr-245e_in1k.py',
     'benchmarks/classification/imagenet/'
     'multi-head-linear_bn-alexnet_1xb192-steplr-35e_in1k.py'),
    ('configs/aet-projective_alexnet-bn_4xb192-steplr-200e_in1k.py',
     'benchmarks/classification/imagenet/'
     'linear_bn-alexnet-conv5_1xb192-steplr-35e_in1k.py'),
    ('configs/avt-projective_nin-4b_1xb512-steplr-1500e_cifar10.py',
     'benchmarks/classification/cifar10/'
     'nin-block2_nonlinear-1xb128-steplr-100e_cifar10.py'),
]


@pytest.mark.parametrize('pretrain,benchmark', EVALUATIONS)
def test_checkpoint_feeds_benchmark_config(pretrain, benchmark, data,
                                           tmp_path):
    pre_cfg = Config.fromfile(osp.join(REPO, pretrain))
    if 'feature-decoupling' in pretrain:
        pre_cfg.model.pu_probs = None
        pre_cfg.model.memory_bank.num_samples = 4
    source = MODELS.build(pre_cfg.model)
    source.init_weights()
    ckpt = str(tmp_path / 'pretrained.pth')
    torch.save({'state_dict': source.state_dict()}, ckpt)

    cfg = Config.fromfile(osp.join(REPO, benchmark))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.model.backbone.init_cfg.checkpoint = ckpt
    cifar = 'cifar10' in benchmark
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].update(batch_size=2, num_workers=0, persistent_workers=False)
        if cifar:
            cfg[name].dataset.update(data_root=data['cifar'], indices=4)
        else:
            cfg[name].dataset.data_root = data['folder']
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    with cifar10_checksums_skipped():
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.val_loop.run()
    assert metrics
    trained = runner.model.backbone.state_dict()
    expected = {
        k[len('backbone.'):]: v
        for k, v in source.state_dict().items() if k.startswith('backbone.')
    }
    assert trained.keys() <= expected.keys()
    for key, value in trained.items():
        assert torch.equal(value, expected[key]), key
