# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""End-to-end: the kNN launcher, as documented, on checkpoints of the
other formats (mmselfsup 1.x rotation-pred ResNet-50, official RotNet BN
AlexNet), recognised and converted in memory."""
import json
import os.path as osp

import pytest
import torch

from mmselfsup_rot.utils.launch import free_port
from tests.conftest import REPO, run_tool
from tests.source_networks import (OfficialAlexNet, mmselfsup1x_model,
                                   randomise_bn, save_mmselfsup1x_checkpoint)

pytestmark = pytest.mark.slow
IMAGENET = osp.join(REPO, 'benchmarks', 'classification', 'imagenet')


def _knn_config(tmp_path, base, data_root, crop):
    """The published kNN config, on the miniature at ``crop`` px."""
    config = tmp_path / 'knn_mini.py'
    config.write_text(
        f"_base_ = ['{IMAGENET}/{base}']\n"
        f"data_root = '{data_root}'\n"
        'pipeline = [\n'
        "    dict(type='LoadImageFromFile'),\n"
        f"    dict(type='ResizeEdge', scale={crop}, edge='short'),\n"
        f"    dict(type='CenterCrop', crop_size={crop}),\n"
        "    dict(type='PackInputs')]\n"
        'extract_dataloaders = dict(\n'
        '    train=dict(batch_size=4, num_workers=0,\n'
        '               dataset=dict(data_root=data_root, '
        'pipeline=pipeline)),\n'
        '    val=dict(batch_size=4, num_workers=0,\n'
        '             dataset=dict(data_root=data_root, '
        'pipeline=pipeline)))\n')
    return config


@pytest.mark.parametrize('kind', ['mmselfsup-1.x', 'rotnet-official'])
def test_knn_launcher_takes_other_formats(mini_imagenet, tmp_path, kind):
    if kind == 'mmselfsup-1.x':
        source = mmselfsup1x_model(depth=50)
        ckpt = save_mmselfsup1x_checkpoint(source,
                                           str(tmp_path / 'rot_r50_1x.pth'))
        config = _knn_config(tmp_path, 'knn_resnet50_in1k.py', mini_imagenet,
                             32)
        layer, found = 'feature5', (
            'mmselfsup 1.x rotation-pred checkpoint; '
            f'{len(source.backbone.state_dict())} backbone tensors (backbone '
            'keys unchanged).')
    else:
        network = randomise_bn(OfficialAlexNet()).state_dict()
        ckpt = str(tmp_path / 'model_net_epoch50')
        torch.save({'epoch': 50, 'network': network}, ckpt)
        config = _knn_config(tmp_path, 'knn_bn-alexnet-conv5_in1k.py',
                             mini_imagenet, 64)
        # all but the classifier's weight and bias
        layer, found = 'conv5', (
            f'official RotNet checkpoint; {len(network) - 2} backbone '
            'tensors, converted in memory.')
    work = tmp_path / 'work'
    proc = run_tool([
        'bash',
        osp.join(REPO, 'benchmarks', 'classification', 'knn.sh'),
        str(config), ckpt, '1', '--ks', '1', '3'
    ],
                    env=dict(
                        WORK_DIR=str(work),
                        PORT=str(free_port()),
                        OMP_NUM_THREADS='1'))
    assert f'{ckpt}: recognised format: {found}' in proc.stdout
    assert f'| {layer} | k=1 | k=3 |' in proc.stdout
    features = work / 'features'
    with open(features / 'knn_results.json') as f:
        assert set(json.load(f)) == {'1', '3'}
    # the run names the file it evaluated
    with open(features / 'source_checkpoint.json') as f:
        assert json.load(f)['checkpoint'] == ckpt
