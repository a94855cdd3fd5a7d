# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Config wiring of the rotation set: the model owns it.

A ``RotationPred`` config states ``angles`` and ``clockwise`` once, in
``model``. The other parts that rotate images or name the rotations take
them from there:

- the model's ``RotationDataPreprocessor`` and ``head.num_classes``:
  ``RotationPred`` fills them in when it is built;
- loader-side ``RotationWithLabels`` / ``RandomRotationWithLabel`` and the
  ``RotationAccuracy`` metric, which the runner builds apart from the
  model: :func:`share_rotation_set` fills them into the config (run
  preparation, :func:`~mmselfsup_rot.engine.runner_setup.prepare_runner`,
  and the analysis tools call it) and ``RotationSetHook`` checks the built
  objects before the run.

A part that states a different set is refused with one line
(:class:`~mmselfsup_rot.utils.rotation_set.RotationSetError`).
"""
import inspect
from typing import Any, Iterator, Optional, Sequence, Tuple

from mmpretrain.registry import METRICS, MODELS, TRANSFORMS

from mmselfsup_rot.datasets.transforms.rotation import (
    RandomRotationWithLabel, RotationWithLabels)
from mmselfsup_rot.evaluation.metrics import RotationAccuracy
from mmselfsup_rot.models.algorithms import RotationPred
from mmselfsup_rot.utils.rotation import parse_angles
from mmselfsup_rot.utils.rotation_set import rotation_set_mismatch

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')

# the classes built apart from the model that follow its set
ROTATION_PARTS = (RotationWithLabels, RandomRotationWithLabel,
                  RotationAccuracy)


def model_rotation_set(
        model_cfg: Optional[dict]) -> Optional[Tuple[Tuple[int, ...], bool]]:
    """``(angles, clockwise)`` of a model config that owns a rotation set.

    Args:
        model_cfg (dict, optional): The ``model`` of a config.

    Returns:
        tuple | None: The set of a ``RotationPred`` (or a subclass), with
        its defaults for what the config leaves out; None for other models.
    """
    if not isinstance(model_cfg, dict):
        return None
    cls = _resolve(MODELS, model_cfg.get('type'))
    if cls is None or not issubclass(cls, RotationPred):
        return None
    params = inspect.signature(cls).parameters
    angles = model_cfg.get('angles', params['angles'].default)
    clockwise = model_cfg.get('clockwise', params['clockwise'].default)
    return parse_angles(angles), bool(clockwise)


def share_rotation_set(cfg: dict) -> None:
    """Fill the model's rotation set into the config's loaders and
    evaluators, or refuse a part that states another one.

    Every ``RotationWithLabels``, ``RandomRotationWithLabel`` (anywhere in
    the dataloaders, dataset wrappers included) and ``RotationAccuracy``
    (in the evaluators) that leaves ``angles`` or ``clockwise`` out gets the
    model's; one that states another raises :class:`RotationSetError`.
    Configs of other models are left as they are.

    Args:
        cfg (dict): The whole config, modified in place.
    """
    owned = model_rotation_set(cfg.get('model'))
    if owned is None:
        return
    for field in LOADERS + EVALUATORS:
        fill_rotation_set(cfg.get(field), *owned, where=field)


def fill_rotation_set(node: Any, angles: Sequence[int], clockwise: bool,
                      where: str) -> None:
    """Fill a rotation set into the rotation parts of a piece of config.

    Args:
        node: A config dict or list (a dataloader, dataset, pipeline or
            evaluator), modified in place.
        angles (Sequence[int]): The model's angles.
        clockwise (bool): The model's direction.
        where (str): The name of ``node``, for the message.
    """
    model_set = dict(angles=tuple(angles), clockwise=bool(clockwise))
    for location, part, cls in _parts_in(node, where):
        for what, value in model_set.items():
            if what not in inspect.signature(cls).parameters:
                continue
            if what not in part:
                part[what] = value
                continue
            stated = (
                parse_angles(part[what])
                if what == 'angles' else bool(part[what]))
            if stated != value:
                raise rotation_set_mismatch(what, value,
                                            f'{location} ({cls.__name__})',
                                            stated)


def _resolve(registry, kind: Any) -> Optional[type]:
    """The class a config's ``type`` names in ``registry``, if any."""
    cls = registry.get(kind) if isinstance(kind, str) else kind
    return cls if isinstance(cls, type) else None


def _parts_in(node: Any, where: str) -> Iterator[Tuple[str, dict, type]]:
    """``(location, config, class)`` of every rotation part under
    ``node``."""
    if isinstance(node, dict):
        kind = node.get('type')
        for registry in (TRANSFORMS, METRICS):
            cls = _resolve(registry, kind) if kind is not None else None
            if cls is not None and issubclass(cls, ROTATION_PARTS):
                yield where, node, cls
                break
        for key, child in node.items():
            yield from _parts_in(child, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for idx, child in enumerate(node):
            yield from _parts_in(child, f'{where}.{idx}')
