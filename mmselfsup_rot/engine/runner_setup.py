# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""One way to prepare a run: a config in, a ready runner out.

``tools/train.py``, ``tools/test.py``, the transfer runner
(:func:`~mmselfsup_rot.downstream.transfer.run_transfer`) and the GPU
check's distributed probe all build their runner through
:func:`prepare_runner`, so an entry point cannot forget a step: the
launcher and work directory, the config overrides, no persistent workers
without workers, the rotation set shared from the model, the datasets
checked on disk, a CPU machine's gloo / plain-BN adaptation, and the
choice between mmengine's ``Runner`` and a config's own ``runner_type``.
"""
import os.path as osp
from typing import Callable, Optional

import torch.nn as nn
from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmselfsup_rot.datasets.checks import (DatasetError, check_datasets,
                                           loaders_used_by)
from mmselfsup_rot.utils.cli import errors_as_one_line
from mmselfsup_rot.utils.launch import adapt_cfg_to_cpu
from mmselfsup_rot.utils.rotation_set import RotationSetError
from .rotation_set_config import LOADERS, share_rotation_set

RUN_MODES = ('train', 'test')


def default_work_dir(config_path: str) -> str:
    """``./work_dirs/<config name>``, mmpretrain's default."""
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def prepare_config(cfg: Config,
                   launcher: str = 'none',
                   work_dir: Optional[str] = None,
                   cfg_options: Optional[dict] = None,
                   mode: Optional[str] = 'train') -> Config:
    """Apply the steps every run needs to its config, in place.

    Args:
        cfg (Config): The run's config (``cfg.filename`` names the default
            work directory).
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or
            ``'mpi'``. Defaults to ``'none'``.
        work_dir (str, optional): Output directory; defaults to the
            config's own, else ``./work_dirs/<config name>``.
        cfg_options (dict, optional): Overrides merged last.
        mode (str, optional): ``'train'`` or ``'test'``: the datasets such
            a run reads are checked on disk; None checks none.
            Defaults to ``'train'``.

    Returns:
        Config: ``cfg``.

    Raises:
        RotationSetError: If a part states another rotation set than the
            model.
        DatasetError: If a dataset the run reads is missing or malformed.
    """
    if mode is not None and mode not in RUN_MODES:
        raise ValueError(f'mode must be one of {RUN_MODES} or None, '
                         f'got {mode!r}')
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = default_work_dir(cfg.filename or 'run')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    for field in LOADERS:
        loader = cfg.get(field)
        if loader is not None and loader.get('num_workers', 0) == 0:
            # torch refuses persistent workers without worker processes
            loader['persistent_workers'] = False
    share_rotation_set(cfg)
    if mode is not None:
        check_datasets(cfg, loaders_used_by(cfg, mode))
    adapt_cfg_to_cpu(cfg, launcher)
    return cfg


def build_runner(cfg: Config) -> Runner:
    """mmengine's ``Runner``, or the config's ``runner_type``."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def prepare_runner(
        cfg: Config,
        launcher: str = 'none',
        work_dir: Optional[str] = None,
        cfg_options: Optional[dict] = None,
        mode: Optional[str] = 'train',
        before_build: Optional[Callable[[Config], None]] = None) -> Runner:
    """A ready runner from a config: :func:`prepare_config`, then
    ``before_build`` (if given), then :func:`build_runner`.

    Args:
        cfg (Config): The run's config, modified in place.
        launcher (str): See :func:`prepare_config`.
        work_dir (str, optional): See :func:`prepare_config`.
        cfg_options (dict, optional): See :func:`prepare_config`.
        mode (str, optional): See :func:`prepare_config`.
        before_build (Callable, optional): Last edits of the prepared
            config (e.g. pointing ``init_cfg`` at converted weights in the
            work directory).

    Returns:
        Runner: The built runner.
    """
    prepare_config(cfg, launcher, work_dir, cfg_options, mode)
    if before_build is not None:
        before_build(cfg)
    return build_runner(cfg)


def prepare_runner_or_exit(cfg: Config, **kwargs) -> Runner:
    """:func:`prepare_runner` for a command line: a dataset missing on
    disk or a part with another rotation set than the model ends the
    program with one line instead of a traceback.

    Args:
        cfg (Config): The run's config, modified in place.
        **kwargs: The other arguments of :func:`prepare_runner`.

    Returns:
        Runner: The built runner.
    """
    with errors_as_one_line(DatasetError, prefix='Dataset error: '), \
            errors_as_one_line(RotationSetError):
        return prepare_runner(cfg, **kwargs)


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside a DDP (or other mmengine) wrapper."""
    return model.module if is_model_wrapper(model) else model
