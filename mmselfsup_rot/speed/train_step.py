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
import statistics

import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmpretrain.registry import MODELS

from .loaders import MEAN, STD, build_loader
from .measure import alternate, peak_rss_mb, reset_peak_rss
from .settings import SpeedSettings

#: Backbone configs by benchmark name; missing registrations are skipped.
BACKBONES = {
    'resnet50': dict(type='ResNet', depth=50, out_indices=[3]),
    'resnet18': dict(type='ResNet', depth=18, out_indices=[3]),
    'nin': dict(type='NIN'),
    'alexnet': dict(type='RotNetAlexNet'),
}


def build_model(name: str, size: int, settings: SpeedSettings,
                device: torch.device) -> torch.nn.Module:
    """RotationPred with the named backbone and a matching head."""
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
                type='RotationHead', num_classes=4, in_channels=channels)))
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
