# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Make the GPU recipes run on a machine without CUDA.

The published configs use SyncBN, NCCL and one CUDA device per process. On a
CPU-only machine (laptops, CI) the same command should still train: the
process group uses gloo, SyncBN becomes BN (SyncBN has no CPU kernel) and
DDP is built without ``device_ids``. This is how the distributed path is
tested here.
"""
import os
import socket
from typing import Any

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def replace_sync_bn(node: Any) -> int:
    """Turn every ``SyncBN`` norm config under ``node`` into ``BN``.

    Returns:
        int: The number of configs changed.
    """
    changed = 0
    if isinstance(node, dict):
        if node.get('type') in ('SyncBN', 'MMSyncBN'):
            node['type'] = 'BN'
            changed += 1
        for value in node.values():
            changed += replace_sync_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            changed += replace_sync_bn(value)
    return changed


def adapt_cfg_to_cpu(cfg: Config, launcher: str) -> bool:
    """Adapt a GPU config to CPU training when CUDA is unavailable.

    For a distributed launch it also initialises the gloo process group
    itself, because mmengine 0.10.7 calls ``torch.cuda.set_device`` when it
    sets up ``pytorch`` launches.

    Args:
        cfg (Config): The config, modified in place.
        launcher (str): The job launcher (``'none'``, ``'pytorch'`` ...).

    Returns:
        bool: True if the config was adapted.
    """
    if torch.cuda.is_available():
        return False
    num_sync_bn = replace_sync_bn(cfg.get('model', {}))
    cfg.pop('sync_bn', None)
    optim_wrapper = cfg.get('optim_wrapper') or {}
    if optim_wrapper.get('type') == 'AmpOptimWrapper':
        # mmengine's AmpOptimWrapper refuses to run without an accelerator.
        optim_wrapper['type'] = 'OptimWrapper'
        optim_wrapper.pop('loss_scale', None)
        optim_wrapper.pop('dtype', None)
        _say('No CUDA device: AMP disabled, training in float32.')
    if launcher == 'none':
        return num_sync_bn > 0
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper['device_ids'] = None  # CPU modules take no device ids
    cfg.model_wrapper_cfg = wrapper
    if launcher == 'pytorch' and not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    _say('No CUDA device: distributed training on the gloo backend with '
         f'{os.environ.get("WORLD_SIZE", "?")} CPU processes, '
         f'{num_sync_bn} SyncBN config(s) turned into BN.')
    return True


def _say(message: str) -> None:
    """Print one line, from the first process only."""
    if int(os.environ.get('RANK', 0)) == 0:
        print(message, flush=True)


def leave_process_group() -> None:
    """Leave the distributed process group once every rank is done.

    A rank that exits with its gloo group still alive can abort in the
    interpreter's teardown ("terminate called without an active
    exception", pytorch/pytorch#190489), and torchrun then stops the ranks
    still writing their checkpoint. Call it at the end of an entry point;
    a process that never joined a group returns at once.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


def free_port() -> int:
    """A TCP port nothing listens on now (for torchrun's rendezvous)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
