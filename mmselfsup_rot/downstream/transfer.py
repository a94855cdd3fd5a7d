# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Transfer benchmarks: fine-tune an mmdet detector or an mmseg segmentor
from our pretrained backbone, then evaluate it.

The configs under ``benchmarks/mmdetection`` and
``benchmarks/mmsegmentation`` mark every module that receives pretrained
weights with ``init_cfg=dict(type='Pretrained', checkpoint=None,
prefix='backbone.')`` (the backbone; for C4 detectors also the res5 shared
head). :func:`run_transfer`

1. reads the checkpoint in torch's safe mode (any format of
   :func:`~mmselfsup_rot.utils.checkpoint_formats.load_pretrained_backbone`),
   writes its backbone weights as
   ``<work_dir>/pretrained_backbone.pth`` and points those init_cfgs at it;
2. builds the runner and, before any training, matches the checkpoint's
   keys and shapes against the receiving modules: loading is non-strict in
   mmengine, so a backbone of the wrong type would otherwise only warn and
   train from scratch. Missing, unused or mis-shaped tensors are an error
   unless the config's ``pretrained_check`` allows them;
3. after the weights are initialised, checks that every matched tensor of
   the model equals the checkpoint's, then trains, tests and prints the
   metrics.
"""
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.logging import print_log

from mmselfsup_rot.datasets.checks import check_datasets
from mmselfsup_rot.engine.hooks import (FinalMetricsHook, PretrainedLoadedHook,
                                        PretrainedMismatchError, key_examples)
from mmselfsup_rot.engine.runner_setup import prepare_runner, unwrap_model
from mmselfsup_rot.utils.checkpoint_formats import load_pretrained_backbone
from mmselfsup_rot.utils.source_checkpoint import write_source_record

NO_PRETRAINED = ('none', 'random')
PRETRAINED_FILE = 'pretrained_backbone.pth'
PREFIX = 'backbone.'

StateDict = Dict[str, torch.Tensor]


def pretrained_init_paths(model_cfg: dict) -> List[str]:
    """Dotted paths, relative to the model, of the sub-configs whose
    ``init_cfg`` is of type ``Pretrained`` (e.g. ``['backbone',
    'roi_head.shared_head']``)."""

    def walk(node, path: str) -> Iterator[str]:
        if isinstance(node, dict):
            init_cfg = node.get('init_cfg')
            if isinstance(init_cfg, dict) and \
                    init_cfg.get('type') == 'Pretrained':
                yield path
            for key, value in node.items():
                if key != 'init_cfg':
                    yield from walk(value, f'{path}.{key}' if path else key)
        elif isinstance(node, (list, tuple)):
            for idx, value in enumerate(node):
                yield from walk(value, f'{path}.{idx}')

    return [path for path in walk(model_cfg, '') if path]


def _sub_config(model_cfg: dict, path: str) -> dict:
    node = model_cfg
    for key in path.split('.'):
        node = node[int(key)] if isinstance(node, (list, tuple)) else \
            node[key]
    return node


def prepare_pretrained(cfg: Config,
                       pretrained: str) -> Tuple[StateDict, List[str]]:
    """Point the config's ``Pretrained`` init_cfgs at our backbone weights.

    Args:
        cfg (Config): The benchmark config (with ``work_dir``), modified in
            place.
        pretrained (str): A checkpoint path, or ``'none'``/``'random'``
            for the random-initialisation baseline.

    Returns:
        tuple: The backbone weights (keys without ``backbone.``; empty for
        the baseline) and the paths of the modules that receive them.
    """
    paths = pretrained_init_paths(cfg.model)
    if not paths:
        raise ValueError(
            f'{cfg.filename}: no model part has init_cfg=dict('
            'type="Pretrained"), so the pretrained weights would go nowhere.')
    if pretrained.lower() in NO_PRETRAINED:
        for path in paths:
            _sub_config(cfg.model, path)['init_cfg'] = None
        print_log(
            'No pretrained weights: random initialisation of '
            f'{", ".join(paths)}.', 'current')
        return OrderedDict(), paths
    state = load_pretrained_backbone(pretrained, prefix=PREFIX)
    # Plain tensors under "backbone.": a file mmengine's Pretrained init
    # reads whatever the source format was. Each rank writes its own
    # temporary file and renames it, so concurrent ranks never see a
    # partial file.
    os.makedirs(cfg.work_dir, exist_ok=True)
    dst = osp.abspath(osp.join(cfg.work_dir, PRETRAINED_FILE))
    tmp = f'{dst}.{os.getpid()}.tmp'
    torch.save({'state_dict': {PREFIX + k: v for k, v in state.items()}}, tmp)
    os.replace(tmp, dst)
    for path in paths:
        init_cfg = _sub_config(cfg.model, path)['init_cfg']
        init_cfg['checkpoint'] = dst
        init_cfg['prefix'] = PREFIX
    return state, paths


def _allowed(key: str, patterns: Sequence[str]) -> bool:
    return any(re.search(p, key) for p in patterns)


def check_pretrained_keys(
    model: nn.Module,
    state: StateDict,
    paths: Sequence[str],
    allow_missing: Sequence[str] = (),
    allow_unused: Sequence[str] = ()
) -> Dict[str, List[str]]:
    """Match the checkpoint's backbone weights against the modules that
    will load them, and refuse anything that would not load.

    Args:
        model (nn.Module): The detector or segmentor (unwrapped).
        state (dict): Backbone weights, keys without ``backbone.``.
        paths (Sequence[str]): Modules that load them (see
            :func:`pretrained_init_paths`).
        allow_missing (Sequence[str]): Regexes of ``<path>.<key>`` module
            tensors that the checkpoint need not provide (new layers).
        allow_unused (Sequence[str]): Regexes of checkpoint keys that no
            module needs to load.

    Returns:
        dict: For each path, the module keys that will be loaded.

    Raises:
        PretrainedMismatchError: If a module would load nothing, a tensor
            is missing or has another shape, or a checkpoint tensor would
            be silently skipped.
    """
    loaded: Dict[str, List[str]] = {}
    problems = []
    used = set()
    for path in paths:
        target = model.get_submodule(path).state_dict()
        hits = [
            k for k in target
            if k in state and state[k].shape == target[k].shape
        ]
        shapes = [
            f'{k} {tuple(state[k].shape)} vs {tuple(target[k].shape)}'
            for k in target if k in state and k not in hits
        ]
        missing = [
            k for k in target
            if k not in state and not _allowed(f'{path}.{k}', allow_missing)
        ]
        if not hits:
            problems.append(f'{path}: none of its {len(target)} tensors is '
                            f'in the checkpoint (it expects e.g. '
                            f'{key_examples(list(target))})')
        elif missing:
            problems.append(f'{path}: {len(missing)} tensors missing from '
                            f'the checkpoint ({key_examples(missing)})')
        if shapes:
            problems.append(f'{path}: {len(shapes)} shape mismatches '
                            f'({key_examples(shapes)})')
        loaded[path] = hits
        used.update(hits)
    unused = [
        k for k in state if k not in used and not _allowed(k, allow_unused)
    ]
    if unused:
        problems.append(f'{len(unused)} checkpoint tensors would be skipped '
                        f'({key_examples(unused)})')
    if problems:
        raise PretrainedMismatchError(
            'The pretrained backbone does not fit the model: ' +
            '; '.join(problems) + '. Is the backbone type of the config '
            'the architecture the checkpoint was trained with?')
    for path, keys in loaded.items():
        total = len(model.get_submodule(path).state_dict())
        print_log(
            f'Pretrained weights: {path} loads {len(keys)}/{total} '
            'tensors from the checkpoint.', 'current')
    return loaded


def add_robustness_hooks(cfg: Config) -> None:
    """Give a fine-tuning run the pretraining runs' protection: checkpoints
    written atomically (a kill during a save leaves no truncated latest
    checkpoint) and a stop at the first non-finite loss. mmdet/mmseg
    configs live in their own registry scope, so our hooks are named with
    the ``mmpretrain.`` scope prefix."""
    hooks = cfg.get('default_hooks') or {}
    checkpoint = hooks.get('checkpoint')
    if checkpoint is not None and checkpoint.get('type') in (
            'CheckpointHook', 'mmengine.CheckpointHook'):
        checkpoint['type'] = 'mmpretrain.AtomicCheckpointHook'
    custom = list(cfg.get('custom_hooks') or [])
    if not any('NonFiniteLossHook' in str(h.get('type')) for h in custom):
        custom.append(dict(type='mmpretrain.NonFiniteLossHook'))
    cfg.custom_hooks = custom


def run_transfer(config: str,
                 pretrained: str,
                 work_dir: Optional[str] = None,
                 cfg_options: Optional[dict] = None,
                 launcher: str = 'none',
                 test: bool = True) -> dict:
    """Fine-tune ``config`` from ``pretrained``, then test it.

    Args:
        config (str): An mmdet or mmseg benchmark config.
        pretrained (str): Our checkpoint (full or backbone-only), or
            ``'none'`` for random initialisation.
        work_dir (str, optional): Output directory.
        cfg_options (dict, optional): Config overrides.
        launcher (str): ``'none'`` or ``'pytorch'`` (torchrun).
        test (bool): Evaluate on the test set after training if the
            training loop has not validated at its end.

    Returns:
        dict: The final metrics (empty if none were computed).

    Raises:
        DatasetError: If a dataset the run reads is missing or malformed on
            disk (before anything is built).
    """
    from mmselfsup_rot.utils.mmcv_ops import require_compiled_ops
    if not osp.isfile(config):
        raise FileNotFoundError(f'Config not found: {config}')
    cfg = Config.fromfile(config)
    # mmdet's detectors and mmseg's segmentors are built from mmcv.ops
    require_compiled_ops(cfg.get('default_scope') or 'mmdet/mmseg')
    prepared = {}

    def before_build(cfg: Config) -> None:
        # the test split is read too; a wrong path: one line now rather
        # than a traceback after training
        if test:
            check_datasets(cfg, ('test_dataloader', ))
        add_robustness_hooks(cfg)
        prepared['state'], prepared['paths'] = prepare_pretrained(
            cfg, pretrained)

    runner = prepare_runner(
        cfg,
        launcher=launcher,
        work_dir=work_dir,
        cfg_options=cfg_options,
        mode='train',
        before_build=before_build)
    state, paths = prepared['state'], prepared['paths']
    check = cfg.get('pretrained_check') or {}
    if is_main_process():
        # the run names the pretraining checkpoint it evaluates
        write_source_record(runner.work_dir, [pretrained],
                            'tools/benchmarks/train_transfer.py', config)
    if pretrained.lower() not in NO_PRETRAINED:
        model = unwrap_model(runner.model)
        loaded = check_pretrained_keys(
            model,
            state,
            paths,
            allow_missing=check.get('allow_missing', ()),
            allow_unused=check.get('allow_unused', ()))
        runner.register_hook(PretrainedLoadedHook(state, loaded))
    final = FinalMetricsHook()
    runner.register_hook(final)
    runner.train()
    # Iteration- and epoch-based loops validate after the last step; in
    # these benchmarks the validation set is the test set.
    metrics = final.metrics
    if metrics is None:
        if not test or cfg.get('test_dataloader') is None:
            return {}
        metrics = runner.test()
    summary = ', '.join(
        f'{k}: {v:.4f}' if isinstance(v, float) else f'{k}: {v}'
        for k, v in metrics.items())
    print_log(f'Transfer result of {osp.basename(config)}: {summary}',
              'current')
    return metrics
