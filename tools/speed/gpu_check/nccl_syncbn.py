# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Distributed probe of the GPU check, started by torchrun::

    python -m torch.distributed.run --nproc_per_node 1 \\
        -m tools.speed.gpu_check.nccl_syncbn CONFIG \\
        --data-root ROOT --work-dir DIR --iters 10 --out facts.json

It builds mmengine's Runner from the pretraining config with the
``pytorch`` launcher through
:func:`~mmselfsup_rot.engine.runner_setup.prepare_runner`, exactly as
``tools/train.py`` does (its CPU adaptation is a no-op on CUDA), trains
``--iters`` steps and records what the runner made of the
distributed set-up: the process group's backend (the config asks for
NCCL), the model wrapper, how many norm layers are still
``SyncBatchNorm`` after the wrapping, where the parameters live, and an
all-reduce of a tensor on the model's device. Rank 0 writes the facts as
JSON to ``--out``. :func:`judge` says what is wrong with them for the GPU
check; :func:`check_nccl_syncbn` is the section that starts the probe.
On a machine without CUDA the probe runs too (gloo, SyncBN turned into
BN) and :func:`judge` reports exactly that.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List

from mmengine.config import Config, DictAction

from mmselfsup_rot.utils.launch import free_port, leave_process_group
from .context import MAIN_CFG, Outcome

PROBE_ITERS = 10


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='NCCL + SyncBN probe of the GPU check')
    parser.add_argument('config', help='pretraining config (SyncBN)')
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--iters', type=int, default=PROBE_ITERS)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--out', required=True, help='JSON file to write')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='further config overrides, key=value')
    # torchrun may pass --local-rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args(argv)


def norm_layers(model) -> dict:
    """Counts of ``SyncBatchNorm`` and of other batch-norm layers."""
    import torch.nn as nn
    from torch.nn.modules.batchnorm import _BatchNorm
    sync = sum(isinstance(m, nn.SyncBatchNorm) for m in model.modules())
    other = sum(
        isinstance(m, _BatchNorm) and not isinstance(m, nn.SyncBatchNorm)
        for m in model.modules())
    return dict(sync_bn=sync, other_bn=other)


def main(argv=None) -> None:
    args = parse_args(argv)
    import torch
    import torch.distributed as dist

    from mmselfsup_rot.engine.runner_setup import prepare_runner, unwrap_model
    from mmselfsup_rot.utils.logs import read_scalars
    from .training import loss_curve

    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': args.data_root,
        # the first iters x batch images: one epoch of --iters steps
        'train_dataloader.dataset.indices': args.iters * args.batch_size,
        'train_dataloader.batch_size': args.batch_size,
        'train_dataloader.num_workers': 2,
        'train_cfg.max_epochs': 1,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.save_last': False,
        'default_hooks.checkpoint.interval': 2,
        'randomness.seed': 0,
    })
    cfg.train_dataloader.persistent_workers = True
    runner = prepare_runner(
        cfg,
        launcher='pytorch',
        work_dir=args.work_dir,
        cfg_options=args.cfg_options,
        mode='train')
    runner.train()

    model = runner.model
    inner = unwrap_model(model)
    device = next(inner.parameters()).device
    world = dist.get_world_size()
    rank = dist.get_rank()
    probe = torch.full((4, ), float(rank + 1), device=device)
    dist.all_reduce(probe)
    facts = dict(
        backend=str(dist.get_backend()),
        world_size=world,
        wrapper=type(model).__name__,
        norm_layers=norm_layers(inner),
        parameter_device=str(device),
        all_reduce_ok=probe.tolist() == [world * (world + 1) / 2] * 4,
        iterations=runner.iter,
        nccl='.'.join(map(str, torch.cuda.nccl.version()))
        if device.type == 'cuda' else None,
        loss=loss_curve(read_scalars(args.work_dir)))
    if rank == 0:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(facts, f, indent=2)
    leave_process_group()


def judge(facts: dict, iters: int) -> List[str]:
    """What is wrong with the probe's facts for a GPU run (empty: all
    right): NCCL, DDP on CUDA, every norm layer still SyncBN, a correct
    all-reduce, ``iters`` steps with finite losses."""
    failures = []
    norms = facts['norm_layers']
    if facts['backend'] != 'nccl':
        failures.append(f"process group backend is {facts['backend']}, "
                        'not nccl')
    if 'DistributedDataParallel' not in facts['wrapper']:
        failures.append(f"model wrapped by {facts['wrapper']}, not DDP")
    if norms['sync_bn'] == 0 or norms['other_bn'] > 0:
        failures.append(f"SyncBN not kept: {norms['sync_bn']} SyncBatchNorm "
                        f"and {norms['other_bn']} other BN layers")
    if not facts['parameter_device'].startswith('cuda'):
        failures.append(f"parameters on {facts['parameter_device']}")
    if not facts['all_reduce_ok']:
        failures.append('all_reduce gave a wrong sum')
    if facts['iterations'] != iters:
        failures.append(f"trained {facts['iterations']} of {iters} "
                        'iterations')
    if not facts['loss']['losses'] or not facts['loss']['finite']:
        failures.append('losses not logged or not finite')
    return failures


def check_nccl_syncbn(ctx) -> Outcome:
    """The ``nccl_syncbn`` section: one torchrun process on NCCL."""
    root = ctx.imagenet()
    out = ctx.work('facts.json')
    proc = ctx.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '1',
        '--master_port',
        str(free_port()), '-m', __name__,
        ctx.path(MAIN_CFG), '--data-root', root, '--work-dir',
        ctx.work('run'), '--iters',
        str(PROBE_ITERS), '--out', out
    ], 'torchrun')
    failures = []
    if proc.returncode != 0:
        failures.append(f'torchrun exited with {proc.returncode}: '
                        f'{proc.last_error()} (log: {proc.log})')
    if not osp.isfile(out):
        return Outcome(
            summary='no facts', failures=failures + ['the probe wrote none'])
    with open(out) as f:
        facts = json.load(f)
    failures += judge(facts, PROBE_ITERS)
    facts['wall_s'] = proc.wall_s
    norms = facts['norm_layers']
    return Outcome(
        summary=(f"{facts['backend']} (NCCL {facts['nccl']}), world size "
                 f"{facts['world_size']}, {facts['wrapper']}, "
                 f"{norms['sync_bn']} SyncBatchNorm / {norms['other_bn']} BN "
                 f"layers, {facts['iterations']} iterations"),
        figures=facts,
        failures=failures)


if __name__ == '__main__':
    main()
