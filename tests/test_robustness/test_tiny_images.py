# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""A 3x3 image in the folder of every shipped pipeline: skipped and counted
where the pipeline crops more than it has (or padded/resized on request),
upsampled where the pipeline resizes, and a one-line error naming the file
in validation/test splits; through real dataloader workers and, for the
digits demo, through tools/train.py and tools/test.py."""
import glob
import os.path as osp
import sys

import pytest
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS
from PIL import Image
from torch.utils.data import DataLoader

import mmselfsup_rot  # noqa: F401  (registers the transforms)
from mmselfsup_rot.datasets.miniature import (make_digits_imagenet,
                                              make_imagenet)
from mmselfsup_rot.datasets.transforms.loading import BadImageError
from mmselfsup_rot.engine.hooks import BadImageHook
from mmselfsup_rot.engine.hooks.bad_image_hook import robust_loaders
from tests.conftest import REPO, run_tool

DIGITS_CFG = osp.join(REPO, 'configs',
                      'rotation-pred_resnet18_1xb64-coslr-12e_digits.py')
LOADERS = ('RobustLoadImageFromFile', 'LoadImageFromFile')


def _shipped_pipelines():
    """Every distinct (pipeline, split) of the configs in configs/, with
    the first config that uses it."""
    found = {}
    for path in sorted(glob.glob(osp.join(REPO, 'configs', '*.py'))):
        cfg = Config.fromfile(path)
        for split in ('train', 'val', 'test'):
            loader = cfg.get(f'{split}_dataloader')
            if not loader:
                continue
            pipeline = loader.dataset.get('pipeline')
            key = (repr(pipeline), split == 'train')
            found.setdefault(key, (osp.basename(path), split, pipeline))
    return sorted(found.values(), key=lambda x: (x[0], x[1]))


PIPELINES = _shipped_pipelines()


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    """Seven 40 px JPEGs and one 3x3 PNG in an ImageNet-layout folder."""
    root = make_imagenet(
        str(tmp_path_factory.mktemp('tiny')),
        num_classes=1,
        train_per_class=7,
        val_per_class=1,
        size=40)
    tiny = osp.join(root, 'train', 'n00000000', 'tiny.png')
    Image.new('RGB', (3, 3), (10, 200, 30)).save(tiny)
    return root, tiny


def _loader(root, pipeline, train, tmp_path, **loader_kwargs):
    pipeline = [dict(p) for p in pipeline]
    if pipeline[0]['type'] not in LOADERS:
        # CIFAR-style pipelines read arrays: read the folder first
        pipeline.insert(0,
                        dict(type='RobustLoadImageFromFile', skip_bad=train))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(
            dict(
                type='CustomDataset',
                data_root=root,
                data_prefix='train',
                test_mode=not train,
                pipeline=pipeline))
    loader = DataLoader(
        dataset,
        batch_size=4,
        num_workers=2,
        persistent_workers=True,
        collate_fn=default_collate,
        **loader_kwargs)
    # what the hook does before the training / validation loop starts
    BadImageHook.prepare_dataloader(loader)
    log = tmp_path / 'bad_images.txt'
    for transform in robust_loaders(dataset):
        transform.bad_image_log = str(log)
    return loader, log


def _read_all(loader):
    paths, shapes = [], set()
    for batch in loader:
        inputs = batch['inputs']
        views = inputs if isinstance(inputs, list) else [inputs]
        shapes.add(tuple(tuple(v.shape[1:]) for v in views))
        paths += [s.img_path for s in batch['data_samples']]
    return paths, shapes


@pytest.mark.parametrize(
    'config,split,pipeline',
    PIPELINES,
    ids=[f'{c[:-3]}-{s}' for c, s, _ in PIPELINES])
def test_tiny_image_in_every_shipped_pipeline(folder, tmp_path, config, split,
                                              pipeline):
    root, tiny = folder
    train = split == 'train'
    loader, log = _loader(root, pipeline, train, tmp_path)
    crops = any(t['type'] == 'RandomCrop'
                for t in pipeline) and not any('Resize' in t['type']
                                               for t in pipeline)
    if train:
        paths, shapes = _read_all(loader)
        assert len(paths) == 8 and len(shapes) == 1  # full, stackable
        if crops:  # a 3x3 image cannot give the crop: skipped, counted
            assert tiny not in paths
            lines = log.read_text().splitlines()
            assert lines and all(
                line.startswith(f'{tiny}\ttoo small: 3x3 px')
                for line in lines)
        else:  # resized (RandomResizedCrop, ResizeEdge) like the others
            assert tiny in paths and not log.exists()
        return
    # validation/test: resized like the others, or one line naming it
    try:
        paths, shapes = _read_all(loader)
    except BadImageError as err:
        loader._iterator._shutdown_workers()  # now, not at collection
        message = str(err)
        assert '\n' not in message and tiny in message
        assert 'is 3x3' in message or 'too small: 3x3 px' in message
    else:
        assert tiny in paths and len(shapes) == 1


@pytest.mark.parametrize('policy', ['pad', 'resize'])
def test_config_can_pad_or_resize_tiny_images(folder, tmp_path, policy):
    root, tiny = folder
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets',
                 'digits_rotation-pred.py'))
    pipeline = cfg.train_pipeline
    pipeline[0]['min_size_policy'] = policy
    loader, log = _loader(root, pipeline, True, tmp_path)
    paths, shapes = _read_all(loader)
    assert tiny in paths and shapes == {((3, 32, 32), )}
    assert not log.exists()


# ------------------------------------------------- tools/train.py, test.py
@pytest.mark.slow
def test_tiny_image_skipped_in_training_named_in_test(tmp_path):
    root = make_digits_imagenet(str(tmp_path / 'digits'), limit=64)
    for split in ('train', 'val'):
        Image.new('RGB',
                  (3, 3)).save(osp.join(root, split, 'digit_0', 'tiny.png'))
        with open(osp.join(root, 'meta', f'{split}.txt'), 'a') as f:
            f.write('digit_0/tiny.png 0\n')
    tiny = osp.join(root, 'train', 'digit_0', 'tiny.png')
    tiny_model = [
        'model.backbone.num_stages=1', 'model.backbone.strides=[1]',
        'model.backbone.dilations=[1]', 'model.backbone.out_indices=[0]',
        'model.backbone.stem_channels=8', 'model.backbone.base_channels=8',
        'model.head.in_channels=8', 'model.online_probe.stages=[0]',
        'model.online_probe.in_channels=[8]'
    ]
    work = tmp_path / 'work'
    proc = run_tool([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), DIGITS_CFG, '--work-dir',
        str(work), '--no-validate', '--cfg-options',
        f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.batch_size=8', 'train_cfg.max_epochs=1',
        'default_hooks.checkpoint.interval=1',
        'custom_hooks.2.max_bad_fraction=0.05'
    ] + tiny_model)
    assert (f'Unusable image {tiny}: too small: 3x3 px, the pipeline needs '
            'at least 28x28 (RandomCrop(crop_size=(32, 32), padding=2'
            in proc.stdout)
    assert 'Epoch 1: skipped 1 bad image(s) of 47' in proc.stdout
    assert (work / 'bad_images.txt').read_text().startswith(f'{tiny}\t')
    assert (work / 'epoch_1.pth').exists()

    proc = run_tool(
        [
            sys.executable,
            osp.join(REPO, 'tools', 'test.py'), DIGITS_CFG,
            str(work / 'epoch_1.pth'), '--work-dir',
            str(tmp_path / 'test'), '--cfg-options',
            f'test_dataloader.dataset.data_root={root}'
        ] + tiny_model,
        check=False)
    assert proc.returncode == 1, proc.stdout[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    val_tiny = osp.join(root, 'val', 'digit_0', 'tiny.png')
    assert last.startswith('error: Images of different sizes in one batch: '
                           f'{val_tiny} is 3x3, the others 32x32.'), last
    assert 'Traceback' not in proc.stdout
