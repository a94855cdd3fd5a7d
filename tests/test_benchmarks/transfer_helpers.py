# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Shared by the transfer-benchmark tests: RotNet checkpoints made by our
own pretraining configs (a few seconds on the miniature ImageNet), cached
for the whole session, and the launcher command."""
import os.path as osp

from mmselfsup_rot.utils.launch import free_port
from tests.conftest import REPO, run_tool, tiny_train_options

PRETRAIN_CFGS = dict(
    resnet50=osp.join(REPO, 'configs',
                      'rotation-pred_resnet50_8xb16-steplr-70e_in1k.py'),
    alexnet=osp.join(REPO, 'configs',
                     'rotation-pred_alexnet-bn_1xb192-steplr-50e_in1k.py'))
# the BN-AlexNet needs at least 63 px inputs
PRETRAIN_SIZES = dict(resnet50=32, alexnet=64)
DET = osp.join(REPO, 'benchmarks', 'mmdetection')
SEG = osp.join(REPO, 'benchmarks', 'mmsegmentation')


def rotnet_checkpoint(tmp_path_factory, data_root: str, arch: str) -> str:
    """Train RotNet for one epoch (2 iterations) with the published
    pretraining config; reuse the checkpoint if this session has one."""
    work = tmp_path_factory.getbasetemp() / f'rotnet_{arch}'
    ckpt = work / 'epoch_1.pth'
    if not ckpt.exists():
        run_tool([
            'python',
            osp.join(REPO, 'tools', 'train.py'), PRETRAIN_CFGS[arch],
            '--work-dir',
            str(work), '--cfg-options'
        ] + tiny_train_options(data_root, size=PRETRAIN_SIZES[arch]) +
                 ['train_cfg.max_epochs=1'])
    return str(ckpt)


def launch(area: str,
           config: str,
           ckpt: str,
           work_dir,
           options,
           gpus: int = 1,
           check: bool = True):
    """``WORK_DIR=work_dir bash tools/benchmarks/dist_train_transfer.sh
    CONFIG CKPT GPUS --cfg-options ...``."""
    root = DET if area == 'mmdetection' else SEG
    port = free_port()  # other test runs may hold the default one
    return run_tool(
        [
            'bash',
            osp.join(REPO, 'tools', 'benchmarks', 'dist_train_transfer.sh'),
            osp.join(root, config), ckpt,
            str(gpus), '--cfg-options'
        ] + list(options),
        env=dict(PORT=str(port), OMP_NUM_THREADS='1', WORK_DIR=str(work_dir)),
        check=check)
