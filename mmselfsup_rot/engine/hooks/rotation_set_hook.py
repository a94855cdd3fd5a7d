# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Any, Iterator, Optional, Tuple

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from mmselfsup_rot.datasets.dataset_wrappers import named_datasets
from mmselfsup_rot.utils.rotation_set import check_rotation_set
from ..rotation_set_config import ROTATION_PARTS
from ..runner_setup import unwrap_model


def built_rotation_parts(obj: Any, where: str) -> Iterator[Tuple[str, Any]]:
    """``(location, part)`` of every built rotation transform or metric of
    a dataloader (its dataset, through wrappers and nested pipelines) or
    of an evaluator (its metrics)."""
    for idx, metric in enumerate(getattr(obj, 'metrics', None) or []):
        if isinstance(metric, ROTATION_PARTS):
            yield f'{where}.metrics.{idx}', metric
    dataset = getattr(obj, 'dataset', None)
    if dataset is None:
        return
    for location, data in named_datasets(dataset, f'{where}.dataset'):
        yield from _transform_parts(
            getattr(data, 'pipeline', None), f'{location}.pipeline')


def _transform_parts(transform: Any,
                     where: str,
                     depth: int = 8) -> Iterator[Tuple[str, Any]]:
    """Rotation parts of a transform and of the transforms it composes
    (``Compose``, ``RandomChoice``, ``RandomApply`` ...)."""
    if isinstance(transform, ROTATION_PARTS):
        yield where, transform
        return
    if depth == 0 or transform is None:
        return
    for attr in ('transforms', 'pipelines'):
        children = getattr(transform, attr, None)
        if isinstance(children, (list, tuple)):
            for idx, child in enumerate(children):
                yield from _transform_parts(child, f'{where}.{attr}.{idx}',
                                            depth - 1)


@HOOKS.register_module()
class RotationSetHook(Hook):
    """Stop a run whose loader-side rotations or rotation metric disagree
    with the model's rotation set.

    ``RotationPred`` owns ``angles`` and ``clockwise``; the tools fill them
    into the config's rotation transforms and ``RotationAccuracy``
    (:func:`~mmselfsup_rot.engine.rotation_set_config.share_rotation_set`). A
    runner built another way, or from objects, is checked here on the built
    loops before their first iteration: a part with another set raises
    :class:`~mmselfsup_rot.utils.rotation_set.RotationSetError` (one
    line). Models without a rotation set are not checked.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        """Check the training loader, and the validation loop if any."""
        self._check(runner, 'train_dataloader', runner.train_dataloader)
        if runner.val_loop is not None:
            self._check_loop(runner, 'val', runner.val_loop)

    def before_val(self, runner) -> None:
        """Check the validation loader and evaluator."""
        self._check_loop(runner, 'val', runner.val_loop)

    def before_test(self, runner) -> None:
        """Check the test loader and evaluator."""
        self._check_loop(runner, 'test', runner.test_loop)

    def _check_loop(self, runner, name: str, loop) -> None:
        self._check(runner, f'{name}_dataloader', loop.dataloader)
        self._check(runner, f'{name}_evaluator', loop.evaluator)

    @staticmethod
    def _check(runner, where: str, obj: Optional[Any]) -> None:
        model = unwrap_model(runner.model)
        if not hasattr(model, 'angles') or obj is None:
            return
        for location, part in built_rotation_parts(obj, where):
            check_rotation_set(part, model.angles,
                               getattr(model, 'clockwise', False),
                               f'{location} ({type(part).__name__})')
