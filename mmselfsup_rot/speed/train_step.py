# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Train-step benchmark: the full RotNet ``train_step`` against the bare
backbone forward + backward + SGD step on the same rotated batch.

With ``amp`` on CUDA the full step runs under mmengine's
``AmpOptimWrapper`` as the AMP configs and ``tools/train.py --amp`` train
(dynamic loss scaling for float16, a fixed scale of 1 for bfloat16); on
the CPU, where mmengine refuses that wrapper, both steps run under
``torch.autocast``. The bare step is always ``torch.autocast`` + a plain
SGD step: the backbone's physical limit."""
import contextlib
import multiprocessing
import statistics
from typing import Optional

import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmpretrain.registry import MODELS

from .loaders import MEAN, STD, build_loader
from .measure import alternate, peak_rss_mb, reset_peak_rss
from .settings import SpeedSettings

#: Channels of the stages that the online-probe row probes (every stage),
#: by benchmark name.
PROBED_STAGES = {
    'resnet50': (256, 512, 1024, 2048),
    'resnet18': (64, 128, 256, 512),
}

#: Backbone configs by benchmark name; missing registrations are skipped.
BACKBONES = {
    'resnet50': dict(type='ResNet', depth=50, out_indices=[3]),
    'resnet18': dict(type='ResNet', depth=18, out_indices=[3]),
    'nin': dict(type='NIN'),
    'alexnet': dict(type='RotNetAlexNet'),
}


def build_model(name: str,
                size: int,
                settings: SpeedSettings,
                device: torch.device,
                online_probe: Optional[dict] = None) -> torch.nn.Module:
    """RotationPred with the named backbone and a matching head (and the
    given ``online_probe``)."""
    backbone = dict(BACKBONES[name])
    if MODELS.get(backbone['type']) is None:
        raise KeyError(f"Backbone {backbone['type']!r} is not registered.")
    with torch.no_grad():
        probe = MODELS.build(backbone)
        probe.eval()  # some backbones' train() returns None
        channels = probe(torch.zeros(1, 3, size, size))[-1].shape[1]
    preprocessor = dict(
        type='RotationDataPreprocessor', mean=MEAN, std=STD, to_rgb=True)
    if settings.channels_last:
        preprocessor['channels_last'] = True
    if settings.device_flip:
        preprocessor['flip_prob'] = 0.5
    model = MODELS.build(
        dict(
            type='RotationPred',
            data_preprocessor=preprocessor,
            backbone=backbone,
            head=dict(
                type='RotationHead', num_classes=4, in_channels=channels),
            online_probe=online_probe))
    model.init_weights()
    model.to(device)
    if settings.channels_last:
        model.to(memory_format=torch.channels_last)
    model.train()
    return model


def build_optim_wrapper(model: torch.nn.Module, settings: SpeedSettings,
                        device: torch.device) -> OptimWrapper:
    """SGD in mmengine's ``OptimWrapper``; with ``settings.amp`` on CUDA the
    ``AmpOptimWrapper`` of the AMP configs (``loss_scale='dynamic'`` for
    float16, ``1.0`` for bfloat16, which has float32's exponent range)."""
    optimizer = torch.optim.SGD(
        model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)
    if settings.amp and device.type == 'cuda':
        return AmpOptimWrapper(
            optimizer=optimizer,
            dtype=settings.amp_dtype,
            loss_scale='dynamic' if settings.amp_dtype == 'float16' else 1.0)
    return OptimWrapper(optimizer)


def _autocast(settings: SpeedSettings, device: torch.device):
    if not settings.amp:
        return contextlib.nullcontext()
    return torch.autocast(
        device.type, dtype=getattr(torch, settings.amp_dtype))


def bench_train(name: str, size: int, root: str, settings: SpeedSettings,
                device: torch.device) -> dict:
    """Full ``train_step`` vs the bare backbone step, alternated."""
    model = build_model(name, size, settings, device)
    optim_wrapper = build_optim_wrapper(model, settings, device)
    optimizer = optim_wrapper.optimizer
    batches = {}
    for path in ('on_device', 'transform'):
        batches[path] = next(iter(build_loader(root, path, settings, size)))
    # The bare step gets the very batch the full step makes on the device.
    with torch.no_grad():
        rotated = model.data_preprocessor(batches['on_device'], True)
    bare_input = torch.cat(rotated['inputs']).detach()
    if settings.channels_last:
        bare_input = bare_input.contiguous(memory_format=torch.channels_last)

    def full(path):

        def run():
            with _autocast(settings, device):
                model.train_step(batches[path], optim_wrapper)

        return run

    def bare():
        with _autocast(settings, device):
            loss = model.backbone(bare_input)[-1].float().mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def preprocess():
        # the rotation machinery alone: normalise, rotate, label, stack
        with torch.no_grad():
            data = model.data_preprocessor(batches['on_device'], True)
            model._stack_views(data['inputs'])

    funcs = {
        'bare': bare,
        'full_on_device': full('on_device'),
        'preprocess_only': preprocess
    }
    if settings.with_transform_step:
        funcs['full_transform'] = full('transform')
    reset_peak_rss()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    times = alternate(funcs, settings.steps, settings.warmup, device)
    # CPU steps are judged by CPU time (stable under machine load), CUDA
    # steps by synchronised wall-clock time
    clock = 'cpu' if device.type == 'cpu' else 'wall'
    medians = {k: statistics.median(v[clock]) for k, v in times.items()}
    # each round times both steps back to back: their ratio cancels drift
    paired = [
        f / b
        for f, b in zip(times['full_on_device'][clock], times['bare'][clock])
    ]
    result = dict(
        images_per_step=settings.batch_size,
        rotated_images_per_step=bare_input.shape[0],
        clock=clock,
        step_s=medians,
        wall_step_s={
            k: statistics.median(v['wall'])
            for k, v in times.items()
        },
        ratio_full_vs_bare=medians['full_on_device'] / medians['bare'],
        paired_ratio_full_vs_bare=statistics.median(paired),
        preprocess_share_of_bare=medians['preprocess_only'] / medians['bare'],
        peak_rss_mb=peak_rss_mb(),
        peak_device_mb=(torch.cuda.max_memory_allocated(device) /
                        2**20 if device.type == 'cuda' else None),
        all_step_s=times)
    if 'full_transform' in medians:
        result['ratio_transform_vs_bare'] = (
            medians['full_transform'] / medians['bare'])
    return result


def probe_config(name: str) -> dict:
    """Online probes on every stage of a ResNet, for ImageNet's 1000
    classes (the miniature's few labels are in range)."""
    if name not in PROBED_STAGES:
        raise KeyError(f'No online-probe row for {name!r}; it is measured '
                       f'for {sorted(PROBED_STAGES)}.')
    channels = PROBED_STAGES[name]
    return dict(
        type='OnlineLinearProbe',
        stages=list(range(len(channels))),
        in_channels=list(channels),
        num_classes=1000)


def step_peak_memory(name: str, size: int, root: str, settings: SpeedSettings,
                     with_probe: bool) -> dict:
    """Peak memory of a process that builds one model and runs its full
    ``train_step`` (run in a fresh process by :func:`bench_online_probe`,
    so that each variant's peak is its own).

    Returns:
        dict: ``peak_rss_mb`` and, on CUDA, ``peak_device_mb``.
    """
    from mmengine.logging import MMLogger
    from mmpretrain.utils import register_all_modules

    import mmselfsup_rot  # noqa: F401
    register_all_modules(init_default_scope=True)
    # quiet the per-parameter initialisation log, as the parent process
    MMLogger.get_instance('rotation_speed', log_level='WARNING')
    torch.manual_seed(settings.seed)
    torch.set_flush_denormal(True)
    device = torch.device(settings.device)
    model = build_model(name, size, settings, device,
                        probe_config(name) if with_probe else None)
    optim_wrapper = build_optim_wrapper(model, settings, device)
    batch = next(iter(build_loader(root, 'on_device', settings, size)))
    for _ in range(settings.warmup + settings.steps):
        with _autocast(settings, device):
            model.train_step(batch, optim_wrapper)
    return dict(
        peak_rss_mb=peak_rss_mb(),
        peak_device_mb=(torch.cuda.max_memory_allocated(device) /
                        2**20 if device.type == 'cuda' else None))


def bench_online_probe(name: str, size: int, root: str,
                       settings: SpeedSettings, device: torch.device) -> dict:
    """The full ``train_step`` with online probes on every stage against
    the same step without them.

    Time: both models (same initial weights, same batch) alternate step by
    step in this process, compared by medians and paired ratios as
    :func:`bench_train`. Memory: each variant runs alone in a fresh
    process, whose peak RSS (and peak device memory) is its own.
    """
    plain = build_model(name, size, settings, device)
    probed = build_model(name, size, settings, device, probe_config(name))
    probed.load_state_dict(plain.state_dict(), strict=False)
    wrappers = {
        'full_on_device': (plain, build_optim_wrapper(plain, settings,
                                                      device)),
        'full_probe': (probed, build_optim_wrapper(probed, settings, device)),
    }
    batch = next(iter(build_loader(root, 'on_device', settings, size)))

    def step(key):
        model, optim_wrapper = wrappers[key]

        def run():
            with _autocast(settings, device):
                model.train_step(batch, optim_wrapper)

        return run

    times = alternate({k: step(k)
                       for k in wrappers}, settings.steps, settings.warmup,
                      device)
    clock = 'cpu' if device.type == 'cpu' else 'wall'
    medians = {k: statistics.median(v[clock]) for k, v in times.items()}
    paired = [
        p / f for p, f in zip(times['full_probe'][clock],
                              times['full_on_device'][clock])
    ]
    context = multiprocessing.get_context('spawn')
    memory = {}
    for key, with_probe in (('full_on_device', False), ('full_probe', True)):
        with context.Pool(1) as pool:
            memory[key] = pool.apply(step_peak_memory,
                                     (name, size, root, settings, with_probe))
    result = dict(
        probe=probe_config(name),
        clock=clock,
        step_s=medians,
        wall_step_s={
            k: statistics.median(v['wall'])
            for k, v in times.items()
        },
        ratio_probe_vs_full=medians['full_probe'] / medians['full_on_device'],
        paired_ratio_probe_vs_full=statistics.median(paired),
        memory=memory,
        peak_rss_ratio_probe_vs_full=(memory['full_probe']['peak_rss_mb'] /
                                      memory['full_on_device']['peak_rss_mb']),
        all_step_s=times)
    if device.type == 'cuda':
        result['peak_device_ratio_probe_vs_full'] = (
            memory['full_probe']['peak_device_mb'] /
            memory['full_on_device']['peak_device_mb'])
    return result
