# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: every linear, multi-head linear and semi-supervised config
under benchmarks/classification trains from a RotNet checkpoint made by our
own pretraining config on a generated miniature of its dataset, with the
published 224 px pipelines; the launchers (dist_train_linear.sh with two
processes, semi_sup_grid.sh, knn.sh) run from the shell as documented."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmselfsup_rot.datasets.miniature import make_inat2018, make_places205
from mmselfsup_rot.downstream import make_subset_ann, save_backbone_checkpoint
from mmselfsup_rot.utils.checkpoint import get_state_dict, load_checkpoint_file
from mmselfsup_rot.utils.launch import free_port, replace_sync_bn
from mmselfsup_rot.utils.logs import read_scalars
from tests.conftest import REPO, run_tool
from tests.test_benchmarks.transfer_helpers import rotnet_checkpoint

pytestmark = pytest.mark.slow
CLS = osp.join(REPO, 'benchmarks', 'classification')
CONFIGS = sorted(
    osp.relpath(path, CLS) for sub in ('imagenet', 'places205', 'inat18')
    for path in glob.glob(osp.join(CLS, sub, '**', '*.py'), recursive=True)
    if not osp.basename(path).startswith(('_base_', 'knn_')))


def _arch(config: str) -> str:
    return 'alexnet' if 'alexnet' in config else 'resnet50'


@pytest.fixture(scope='module')
def datasets(mini_imagenet, tmp_path_factory):
    """Miniatures in the layout of each dataset folder, plus the 1% / 10%
    subset lists of the semi-supervised configs."""
    for pct in (1, 10):
        make_subset_ann(
            osp.join(mini_imagenet, 'meta', 'train.txt'),
            osp.join(mini_imagenet, 'meta', f'train_{pct}percent.txt'),
            fraction=pct / 100)
    root = tmp_path_factory.mktemp('cls_data')
    return dict(
        imagenet=(mini_imagenet, 2),
        places205=(make_places205(str(root / 'places205')), 3),
        inat18=(make_inat2018(str(root / 'inat18')), 3))


@pytest.fixture(scope='module')
def backbones(mini_imagenet, tmp_path_factory):
    """Backbone-only weights of RotNet checkpoints from our pretraining
    configs, as the launcher writes them."""
    out = {}
    for arch in ('resnet50', 'alexnet'):
        ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, arch)
        out[arch] = save_backbone_checkpoint(
            ckpt, str(tmp_path_factory.getbasetemp() / f'{arch}_bb.pth'))
    return out


def _tiny(cfg: Config, data_root: str, num_classes: int) -> None:
    """Keep the published model and 224 px pipelines; shrink the data."""
    cfg.model.head.num_classes = num_classes
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].update(batch_size=4, num_workers=0, persistent_workers=False)
        cfg[name].dataset.data_root = data_root
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 1
    for name in ('val_evaluator', 'test_evaluator'):
        if cfg[name].type == 'Accuracy':
            cfg[name].topk = (1, )  # 2-3 classes: no top-5
    replace_sync_bn(cfg.model)  # SyncBN needs CUDA


@pytest.mark.parametrize('config', CONFIGS)
def test_classification_config_trains_and_reports(config, datasets, backbones,
                                                  tmp_path):
    cfg = Config.fromfile(osp.join(CLS, config))
    data_root, num_classes = datasets[config.split(osp.sep)[0]]
    _tiny(cfg, data_root, num_classes)
    cfg.work_dir = str(tmp_path)
    ckpt = backbones[_arch(config)]
    cfg.model.backbone.init_cfg.checkpoint = ckpt
    if cfg.train_dataloader.dataset.get('ann_file', '').startswith('meta/'):
        # semi-supervised subsets: images stay under the full train folder
        cfg.train_dataloader.dataset.data_prefix = osp.join(data_root, 'train')
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()

    pretrained = {
        k[len('backbone.'):]: v
        for k, v in get_state_dict(load_checkpoint_file(ckpt)).items()
    }
    trained = runner.model.backbone.state_dict()
    # every backbone tensor came from the checkpoint (a conv-only AlexNet
    # leaves the checkpoint's fc block unused)
    assert trained.keys() <= pretrained.keys()
    same = {k: torch.equal(v.cpu(), pretrained[k]) for k, v in trained.items()}
    if 'semi-sup' in config:
        # fine-tuned: the weights moved
        assert not all(v for k, v in same.items() if k.endswith('weight'))
    else:
        # frozen backbone in eval mode: weights and BN statistics stay
        assert all(same.values()), [k for k, v in same.items() if not v]
    if 'multi-head' in config:
        names = cfg.model.head.layer_names
        assert {f'multi-head/{n}_top1' for n in names} <= metrics.keys()
    else:
        assert 0 <= metrics['accuracy/top1'] <= 100
    losses = [r for r in read_scalars(str(tmp_path)) if 'loss' in r]
    assert losses and all(
        torch.isfinite(torch.tensor(r['loss'])) for r in losses)


def _launch(script: str, *args, env=None):
    return run_tool(
        ['bash', osp.join(CLS, script)] + [str(a) for a in args],
        env=dict(PORT=str(free_port()), OMP_NUM_THREADS='1', **(env or {})))


def _tiny_options(data_root: str, num_classes: int) -> list:
    return [
        f'model.head.num_classes={num_classes}',
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
        'test_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
        'val_evaluator.topk=(1,)', 'test_evaluator.topk=(1,)'
    ]


def test_linear_launcher_two_processes_from_full_checkpoint(
        mini_imagenet, tmp_path_factory, tmp_path):
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'alexnet')
    proc = _launch(
        'dist_train_linear.sh',
        osp.join(CLS, 'imagenet',
                 'linear_bn-alexnet-conv5_1xb192-steplr-35e_in1k.py'),
        ckpt,
        2,
        '--cfg-options',
        *_tiny_options(mini_imagenet, 2),
        env=dict(WORK_DIR=str(tmp_path)))
    assert 'gloo backend with 2 CPU processes' in proc.stdout
    assert 'accuracy/top1' in proc.stdout
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    # the accuracy of its one stage, drawn after training
    assert 'top-1 per stage: linear ' in proc.stdout
    assert osp.getsize(tmp_path / 'linear_per_stage.png') > 0
    # the launcher wrote the backbone it loaded
    loaded = get_state_dict(
        load_checkpoint_file(str(tmp_path / 'pretrained_backbone.pth')))
    source = get_state_dict(load_checkpoint_file(ckpt))
    assert loaded.keys() == {k for k in source if k.startswith('backbone.')}


def test_semi_sup_grid_launcher(datasets, mini_imagenet, tmp_path_factory,
                                tmp_path):
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'alexnet')
    config = osp.join(CLS, 'imagenet', 'semi_sup',
                      'bn-alexnet_semi-sup-1pct_4xb64-steplr-20e_in1k.py')
    _launch(
        'semi_sup_grid.sh',
        config,
        ckpt,
        1,
        '--cfg-options',
        *_tiny_options(mini_imagenet, 2),
        f'train_dataloader.dataset.data_prefix={mini_imagenet}/train',
        env=dict(WORK_DIR=str(tmp_path), LRS='0.1', HEAD_MULTS='1 10'))
    for mult in (1, 10):
        run = tmp_path / f'lr0.1_head{mult}'
        assert (run / 'epoch_1.pth').is_file()
        first = read_scalars(str(run))[0]
        # the grid point reached the optimizer: base lr of the backbone
        assert first['lr'] == pytest.approx(0.1)


def test_knn_launcher_two_processes(mini_imagenet, tmp_path_factory, tmp_path):
    ckpt = rotnet_checkpoint(tmp_path_factory, mini_imagenet, 'alexnet')
    # a user's config on top of the published one: where the data is
    config = tmp_path / 'knn_mini.py'
    config.write_text(
        f"_base_ = ['{CLS}/imagenet/knn_bn-alexnet-conv5_in1k.py']\n"
        f"data_root = '{mini_imagenet}'\n"
        'extract_dataloaders = dict(\n'
        '    train=dict(batch_size=4, num_workers=0,\n'
        '               dataset=dict(data_root=data_root)),\n'
        '    val=dict(batch_size=4, num_workers=0,\n'
        '             dataset=dict(data_root=data_root)))\n')
    proc = _launch(
        'knn.sh',
        config,
        ckpt,
        2,
        '--ks',
        '1',
        '3',
        env=dict(WORK_DIR=str(tmp_path / 'work')))
    assert '| conv5 | k=1 | k=3 |' in proc.stdout
    # the progress of the kNN pass over the 4 val images, with its ETA
    assert '4/4' in proc.stdout and 'ETA' in proc.stdout
    features = tmp_path / 'work' / 'features'
    assert osp.getsize(features / 'knn.png') > 0
    with open(features / 'knn_results.json') as f:
        res = json.load(f)
    assert set(res) == {'1', '3'}
    for k in ('1', '3'):
        assert 0 <= res[k]['top1'] <= 100


def test_knn_launcher_gives_cfg_options_to_the_extraction(
        mini_imagenet, tmp_path):
    # the published config reads data/imagenet/: --cfg-options moves it
    # (and shrinks the loaders), --ks still reaches knn.py
    extract = 'extract_dataloaders'
    proc = _launch(
        'knn.sh',
        osp.join(CLS, 'imagenet', 'knn_resnet50_in1k.py'),
        'none',
        1,
        '--cfg-options',
        *[
            f'{extract}.{split}.{key}' for split in ('train', 'val')
            for key in (f'dataset.data_root={mini_imagenet}', 'batch_size=4',
                        'num_workers=0')
        ],
        'model.backbone.depth=18',
        '--ks',
        '1',
        '3',
        env=dict(WORK_DIR=str(tmp_path / 'work')))
    features = tmp_path / 'work' / 'features'
    for split, num in (('train', 8), ('val', 4)):
        meta = json.loads((features / f'{split}_meta.json').read_text())
        assert meta['num_samples'] == num
        assert meta['layers'] == {'feature5': 512}
    assert '| feature5 | k=1 | k=3 |' in proc.stdout
    with open(features / 'knn_results.json') as f:
        assert set(json.load(f)) == {'1', '3'}
