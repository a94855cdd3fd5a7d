# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Is the GPU step data-bound? The recipe's own training loader (built
from the main config by mmengine, 8 workers, 224 px crops) against the
rate at which the fast step (AMP bf16 + channels_last, rotations and flip
on the device) consumes source images.

Three rates in source images per second, each in its steady state (the
first round of batches, one per worker, is not timed), alternated over
several epochs and compared by medians:

- ``loader``: the loader alone;
- ``gpu``: the train step on one batch already in memory (the loop
  synchronises only at its ends, as training does);
- ``fed``: the train step fed by the loader.

The loader keeps up when ``loader >= gpu``; the step is data-bound when
``fed`` falls below ``gpu``.
"""
import gc
import os
import statistics
import time
from typing import Callable, Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmselfsup_rot.speed.train_step import build_model, build_optim_wrapper
from .context import MAIN_CFG, Outcome
from .report import make_target
from .throughput import SIZE, speed_settings

WORKERS = 8
#: Targets: the loader delivers at least what the step consumes, and the
#: step fed by the loader keeps 95% of its rate on a batch in memory.
MIN_LOADER_VS_GPU = 1.0
MIN_FED_VS_GPU = 0.95


def build_recipe_loader(config: str, data_root: str,
                        workers: int) -> torch.utils.data.DataLoader:
    """The config's ``train_dataloader`` on ``data_root``, built as the
    Runner builds it (sampler, collate, pinned memory, persistent
    workers)."""
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    loader_cfg = cfg.train_dataloader
    loader_cfg.dataset.data_root = data_root
    loader_cfg.num_workers = workers
    loader_cfg.persistent_workers = workers > 0
    return Runner.build_dataloader(loader_cfg, seed=0)


def timed_epoch(loader, step: Optional[Callable], skip: int) -> float:
    """Source images/s over one epoch after its first ``skip`` batches."""
    images, start = 0, None
    for idx, batch in enumerate(loader):
        if step is not None:
            step(batch)
        if idx == skip - 1:
            torch.cuda.synchronize()
            start = time.perf_counter()
        elif idx >= skip:
            images += len(batch['data_samples'])
    torch.cuda.synchronize()
    if start is None or images == 0:
        raise ValueError(f'an epoch of {len(loader)} batches is too short '
                         f'to time after {skip} batches')
    return images / (time.perf_counter() - start)


def timed_resident(batch: dict, step: Callable, count: int) -> float:
    """Source images/s of ``count`` steps on one batch in memory."""
    step(batch)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(count):
        step(batch)
    torch.cuda.synchronize()
    return count * len(batch['data_samples']) / (time.perf_counter() - start)


def measure_rates(ctx, loader, rounds: int) -> Dict[str, List[float]]:
    """``rounds`` alternated epochs of each rate (after a warm-up epoch
    of the fed step: workers started, cuDNN initialised)."""
    device = torch.device('cuda')
    settings = speed_settings('bfloat16', channels_last=True)
    torch.manual_seed(0)
    model = build_model('resnet50', SIZE, settings, device)
    optim_wrapper = build_optim_wrapper(model, settings, device)

    def step(batch):
        model.train_step(batch, optim_wrapper)

    rates = dict(loader=[], gpu=[], fed=[])
    timed_epoch(loader, step, WORKERS)
    first = next(iter(loader))
    for _ in range(rounds):
        ctx.check_budget('the next round of loader timings')
        rates['loader'].append(timed_epoch(loader, None, WORKERS))
        rates['gpu'].append(timed_resident(first, step, len(loader) - WORKERS))
        rates['fed'].append(timed_epoch(loader, step, WORKERS))
    return rates


def check_data_bound(ctx, rounds: int = 3) -> Outcome:
    """The ``data_bound`` section."""
    root = ctx.imagenet()
    loader = build_recipe_loader(ctx.path(MAIN_CFG), root, WORKERS)
    try:
        rates = measure_rates(ctx, loader, rounds)
    finally:
        loader._iterator = None  # stop the persistent workers
        gc.collect()
        torch.cuda.empty_cache()
    med = {k: statistics.median(v) for k, v in rates.items()}
    loader_vs_gpu = med['loader'] / med['gpu']
    fed_vs_gpu = med['fed'] / med['gpu']
    figures = dict(
        config=MAIN_CFG,
        workers=WORKERS,
        cpu_count=os.cpu_count(),
        batch_size=loader.batch_size,
        batches_per_epoch=len(loader),
        untimed_batches_per_epoch=WORKERS,
        step='AMP bf16 + channels_last, rotations and flip on the device',
        miniature=ctx.shared.get('imagenet'),
        source_img_s=rates,
        median_source_img_s=med,
        loader_vs_gpu=loader_vs_gpu,
        fed_vs_gpu=fed_vs_gpu,
        data_bound=fed_vs_gpu < MIN_FED_VS_GPU)
    verdict = 'DATA-BOUND' if figures['data_bound'] else 'not data-bound'
    return Outcome(
        summary=(f"{WORKERS} workers deliver {med['loader']:.0f} img/s, the "
                 f"step consumes {med['gpu']:.0f} ({loader_vs_gpu:.2f}x "
                 f"headroom); fed {med['fed']:.0f} img/s: {verdict}"),
        figures=figures,
        targets=[
            make_target('loader_vs_gpu_8_workers',
                        f'loader img/s / step img/s, {WORKERS} workers',
                        loader_vs_gpu, '>=', MIN_LOADER_VS_GPU),
            make_target('fed_vs_gpu_8_workers',
                        f'fed step img/s / step img/s, {WORKERS} workers',
                        fed_vs_gpu, '>=', MIN_FED_VS_GPU),
        ],
        table=dict(
            columns=['source img/s', 'median', 'per epoch'],
            rows=[[k, med[k], ' '.join(f'{r:.0f}' for r in v)]
                  for k, v in rates.items()]))
