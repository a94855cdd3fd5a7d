# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Migrate an mmselfsup 1.x rotation-pred config to this project.

mmselfsup 1.x's ``configs/selfsup/rotation_pred`` configs (with their
``_base_`` chain) are read as text (nothing is imported or built) and
rewritten part by part:

- ``RotationPredDataPreprocessor`` -> ``RotationDataPreprocessor``, which
  rotates on the device (the loader ships each image once); the pipeline's
  ``RandomFlip`` becomes its ``flip_prob`` and ``RotationWithLabels`` is
  dropped. With ``rotate_on_device=False`` (or a pipeline of another
  shape) the rotation stays in the loader.
- ``ClsHead(with_avg_pool=True)`` -> ``RotationHead(pool_type='avg')``.
- ResNet ``out_indices``: 1.x counts the stem as 0 and the stages as 1..4;
  mmpretrain's ResNet counts the stages as 0..3 (the stem is
  ``ResNetWithStem``'s index 0, as in 1.x).
- ``PackSelfSupInputs(pseudo_label_keys=...)`` -> ``PackInputs(
  algorithm_keys=...)``; 1.x's ``RandomResizedCrop(size, scale, ratio)``
  -> mmpretrain's ``(scale, crop_ratio_range, aspect_ratio_range)``.
- The ``mmcls.``/``mmselfsup.`` scopes go (``default_scope='mmpretrain'``
  and ``custom_imports`` of this package); ``SelfSupVisualizer`` ->
  ``UniversalVisualizer``.
- 1.x rotated **clockwise** (``mmcv.imrotate``), this project
  counter-clockwise. The migrated model states ``clockwise=True`` to keep
  1.x's labels (its checkpoints then load with ``--keep-clockwise``), or,
  with ``keep_clockwise=False``, ``clockwise=False``: this project's
  labels, 1.x checkpoints converted with their rows 1 and 3 swapped.

Everything else (dataset, schedule, runtime) is kept; every ``type`` is
looked up in the registries this project builds from and every argument
in the signature of its class. What cannot be mapped raises
:class:`MigrationError` naming the key.
"""
import inspect
import os.path as osp
from typing import Any, Callable, Dict, List, Optional, Tuple

from mmengine.config import Config

SCOPES = ('mmcls.', 'mmselfsup.', 'mmpretrain.')
CUSTOM_IMPORTS = dict(imports=['mmselfsup_rot'], allow_failed_imports=False)
# Keys of the layer-building configs: not registry types of their own.
LAYER_CFGS = ('norm_cfg', 'conv_cfg', 'act_cfg', 'init_cfg', 'plugins')


class MigrationError(ValueError):
    """A part of a 1.x config that has no counterpart here."""


def _registries() -> Dict[str, Any]:
    """The registries a config of this project is built from."""
    from mmengine.registry import FUNCTIONS
    from mmpretrain import registry as r
    return dict(
        model=r.MODELS,
        transform=r.TRANSFORMS,
        dataset=r.DATASETS,
        sampler=r.DATA_SAMPLERS,
        function=FUNCTIONS,  # mmengine's: collate functions
        optim_wrapper=r.OPTIM_WRAPPERS,
        optimizer=r.OPTIMIZERS,
        scheduler=r.PARAM_SCHEDULERS,
        loop=r.LOOPS,
        hook=r.HOOKS,
        visualizer=r.VISUALIZERS,
        vis_backend=r.VISBACKENDS,
        metric=r.METRICS,
        log_processor=r.LOG_PROCESSORS,
    )


#: Which registry a top-level part is built from.
TOP_LEVEL_REGISTRY = {
    'model': 'model',
    'train_pipeline': 'transform',
    'val_pipeline': 'transform',
    'test_pipeline': 'transform',
    'optim_wrapper': 'optim_wrapper',
    'optimizer': 'optimizer',
    'param_scheduler': 'scheduler',
    'train_cfg': 'loop',
    'val_cfg': 'loop',
    'test_cfg': 'loop',
    'default_hooks': 'hook',
    'custom_hooks': 'hook',
    'visualizer': 'visualizer',
    'vis_backends': 'vis_backend',
    'val_evaluator': 'metric',
    'test_evaluator': 'metric',
    'log_processor': 'log_processor',
}
#: Which registry a nested part is built from, by its key.
NESTED_REGISTRY = {
    'backbone': 'model',
    'neck': 'model',
    'head': 'model',
    'loss': 'model',
    'data_preprocessor': 'model',
    'pipeline': 'transform',
    'dataset': 'dataset',
    'sampler': 'sampler',
    'batch_sampler': 'sampler',
    'collate_fn': 'function',
    'optimizer': 'optimizer',
    'vis_backends': 'vis_backend',
}
#: Arguments that the builders consume before the class sees them.
BUILDER_ARGS = {
    'scheduler': {'convert_to_iter_based'},
    'hook': {'priority'},
    'optim_wrapper': {'paramwise_cfg', 'constructor'},
}
#: Top-level keys of 1.x configs that hold plain values.
PLAIN_KEYS = ('data_root', 'log_level', 'load_from', 'resume', 'randomness',
              'env_cfg', 'auto_scale_lr', 'work_dir', 'launcher')


def load_mmselfsup1x_config(path: str) -> Config:
    """Read a 1.x config and its ``_base_`` chain as data.

    Nothing is imported or built, so the ``mmcls.``/``mmselfsup.`` types
    it names need not exist here.

    Raises:
        MigrationError: If the file or one of its bases cannot be read.
    """
    if not osp.isfile(path):
        raise MigrationError(f'Config not found: {path}')
    try:
        return Config.fromfile(
            path, import_custom_modules=False, lazy_import=False)
    except Exception as err:  # mmengine raises several types here
        first = (str(err).strip().splitlines() or [''])[0]
        raise MigrationError(f'Cannot read {path} (and its _base_ files): '
                             f'{type(err).__name__}: {first}') from None


class _Migration:
    """One pass over a 1.x config; ``changes`` lists what it changed."""

    def __init__(self, keep_clockwise: bool, rotate_on_device: bool) -> None:
        self.keep_clockwise = keep_clockwise
        self.rotate_on_device = rotate_on_device
        self.registries = _registries()
        self.changes: List[str] = []
        self.flip_prob: Optional[float] = None  # moved to the device

    def change(self, key: str, what: str) -> None:
        self.changes.append(f'{key}: {what}')

    # --- generic: scopes, registered types, accepted arguments ------------
    def type_name(self,
                  cfg: dict,
                  key: str,
                  registry: str,
                  suffix: str = '.type') -> str:
        """The type of ``cfg`` without a 1.x scope, checked to exist
        (``suffix`` follows ``key`` in messages)."""
        kind = cfg.get('type')
        if not isinstance(kind, str):
            raise MigrationError(f'{key}{suffix}: expected a registered '
                                 f'type name, got {kind!r}.')
        name = kind
        for scope in SCOPES:
            if kind.startswith(scope):
                name = kind[len(scope):]
                break
        if self.registries[registry].get(name) is None:
            raise MigrationError(
                f'{key}{suffix}: {kind!r} has no counterpart in this project '
                f'(not in the {registry} registry of mmpretrain/mmengine/'
                'mmselfsup_rot).')
        if name != kind:
            self.change(
                f'{key}{suffix}', f'{kind!r} -> {name!r} (scope '
                f'{kind.split(".")[0]!r} dropped)')
        return name

    def check_args(self, cfg: dict, key: str, registry: str) -> None:
        """Every argument of ``cfg`` is accepted by its class."""
        accepted = _accepted_args(self.registries[registry].get(cfg['type']))
        if accepted is None:
            return
        accepted |= BUILDER_ARGS.get(registry, set()) | {'_scope_'}
        for arg in cfg:
            if arg != 'type' and arg not in accepted:
                raise MigrationError(
                    f'{key}.{arg}: {cfg["type"]} of this project takes no '
                    f'{arg!r} (its arguments: {sorted(accepted)}).')

    def keep(self, value: Any, key: str, registry: Optional[str]) -> Any:
        """A part kept as it is, with its types and arguments checked."""
        if isinstance(value, (list, tuple)):
            return type(value)(self.keep(v, f'{key}.{i}', registry)
                               for i, v in enumerate(value))
        if not isinstance(value, dict):
            return value
        out = {}
        if 'type' in value and registry is not None:
            out['type'] = self.type_name(value, key, registry)
        for arg, item in value.items():
            if arg == 'type':
                continue
            if arg in LAYER_CFGS:
                out[arg] = item
            else:
                out[arg] = self.keep(item, f'{key}.{arg}',
                                     NESTED_REGISTRY.get(arg, registry))
        if 'type' in out and registry is not None:
            self.check_args(out, key, registry)
        return out

    def rename_args(self, cfg: dict, key: str, renames: Dict[str,
                                                             str]) -> dict:
        """``cfg`` with its arguments renamed (and the renames listed)."""
        out = {}
        for arg, value in cfg.items():
            new = renames.get(arg, arg)
            if new != arg:
                self.change(f'{key}.{arg}', f'renamed {new!r}')
            out[new] = value
        return out

    # --- model --------------------------------------------------------------
    def model(self, cfg: dict) -> dict:
        if _scopeless(cfg.get('type')) != 'RotationPred':
            raise MigrationError(
                f'model.type: {cfg.get("type")!r} is not a rotation-pred '
                'model; only RotationPred configs are migrated.')
        out: Dict[str, Any] = dict(type='RotationPred')
        out['clockwise'] = self.keep_clockwise
        if self.keep_clockwise:
            self.change(
                'model.clockwise', 'True added: keeps mmselfsup 1.x\'s '
                'clockwise labels (it rotated with mmcv.imrotate; this '
                'project defaults to counter-clockwise)')
        else:
            self.change(
                'model.clockwise', 'False: labels converted to this '
                'project\'s counter-clockwise order (1.x labels 1 and 3 '
                'swap; convert 1.x checkpoints without --keep-clockwise)')
        handlers: Dict[str, Callable[[dict], Any]] = dict(
            backbone=self.backbone,
            head=self.head,
            data_preprocessor=self.data_preprocessor)
        for arg, value in cfg.items():
            if arg == 'type':
                continue
            if arg in handlers:
                out[arg] = handlers[arg](value)
            elif arg == 'neck':
                out[arg] = self.keep(value, f'model.{arg}', 'model')
            elif arg in ('init_cfg', 'pretrained'):
                out[arg] = value
            else:
                raise MigrationError(
                    f'model.{arg}: no counterpart in this project\'s '
                    'RotationPred.')
        if 'data_preprocessor' not in out:
            # 1.x's default stacked the views; ours also rotates
            out['data_preprocessor'] = dict(type='RotationDataPreprocessor')
            self.change('model.data_preprocessor',
                        "dict(type='RotationDataPreprocessor') added")
        return out

    def backbone(self, cfg: dict) -> dict:
        key = 'model.backbone'
        if _scopeless(cfg.get('type')) != 'ResNet':
            raise MigrationError(
                f'{key}.type: {cfg["type"]!r}: only the ResNet of 1.x '
                '(stem = index 0) is migrated.')
        out = dict(cfg, type='ResNet')
        if cfg['type'] != 'ResNet':
            self.change(f'{key}.type', f'{cfg["type"]!r} -> \'ResNet\'')
        indices = list(cfg.get('out_indices', (4, )))  # 1.x's default
        num_stages = cfg.get('num_stages', 4)
        if not indices or any(not 0 <= i <= num_stages for i in indices):
            raise MigrationError(
                f'{key}.out_indices: {indices} is outside 0..{num_stages} '
                '(mmselfsup 1.x: 0 = stem, 1..4 = stages).')
        if 0 in indices:
            out['type'] = 'ResNetWithStem'
            out['out_indices'] = indices
            self.change(
                f'{key}.type', f'ResNet -> ResNetWithStem (out_indices '
                f'{indices} include 0, the stem, which mmpretrain\'s ResNet '
                'does not output; ResNetWithStem counts like 1.x)')
        else:
            out['out_indices'] = [i - 1 for i in indices]
            self.change(
                f'{key}.out_indices', f'{indices} -> {out["out_indices"]} '
                '(1.x counted the stem as 0; mmpretrain counts stages from '
                '0)')
        return self.keep(out, key, 'model')

    def head(self, cfg: dict) -> dict:
        key = 'model.head'
        if _scopeless(cfg.get('type')) != 'ClsHead':
            raise MigrationError(
                f'{key}.type: {cfg["type"]!r}: only 1.x\'s ClsHead is '
                'migrated (to RotationHead).')
        if cfg.get('vit_backbone'):
            raise MigrationError(
                f'{key}.vit_backbone: ViT heads have no counterpart in '
                'RotationHead.')
        out: Dict[str, Any] = dict(type='RotationHead')
        self.change(
            f'{key}.type', 'ClsHead -> RotationHead (weights '
            'head.fc_cls.* -> head.fc.*)')
        for arg, value in cfg.items():
            if arg in ('type', 'vit_backbone'):
                continue
            if arg == 'with_avg_pool':
                out['pool_type'] = 'avg' if value else 'none'
                self.change(f'{key}.with_avg_pool',
                            f'{value} -> pool_type={out["pool_type"]!r}')
            elif arg == 'num_classes':
                if value != 4:
                    raise MigrationError(
                        f'{key}.num_classes: {value}; 1.x rotation-pred has '
                        '4 rotations (0, 90, 180, 270).')
                out[arg] = value
            else:
                out[arg] = value
        return self.keep(out, key, 'model')

    def data_preprocessor(self, cfg: dict) -> dict:
        key = 'model.data_preprocessor'
        if _scopeless(cfg.get('type')) not in ('RotationPredDataPreprocessor',
                                               'SelfSupDataPreprocessor'):
            raise MigrationError(f'{key}.type: {cfg["type"]!r}: only 1.x\'s '
                                 'RotationPredDataPreprocessor is migrated.')
        out = self.rename_args(
            dict(cfg, type='RotationDataPreprocessor'), key,
            dict(bgr_to_rgb='to_rgb'))
        self.change(
            f'{key}.type', f'{cfg["type"]!r} -> \'RotationDataPreprocessor\''
            ' (stacks the rotated views, or makes them on the device)')
        return self.keep(out, key, 'model')

    # --- data ---------------------------------------------------------------
    def pipeline(self, steps: list, key: str) -> list:
        """Map 1.x transforms; move flip + rotation to the device if the
        pipeline ends with them (else keep them in the loader)."""
        names = [
            _scopeless(s.get('type')) if isinstance(s, dict) else ''
            for s in steps
        ]
        on_device = self.rotate_on_device and self._device_shape(steps, names)
        out = []
        for i, (step, name) in enumerate(zip(steps, names)):
            where = f'{key}.{i}'
            if name == 'RandomResizedCrop':
                out.append(self.random_resized_crop(step, where))
            elif name == 'RandomFlip' and on_device:
                self.flip_prob = float(step['prob'])
                self.change(
                    where, f'RandomFlip(prob={step["prob"]}) -> model.'
                    f'data_preprocessor.flip_prob={step["prob"]} (the flip '
                    'is made on the device, before the rotations)')
            elif name == 'RotationWithLabels':
                out.extend(self.rotation(step, where, on_device))
            elif name == 'PackSelfSupInputs':
                out.append(self.pack(step, where, on_device))
            else:
                out.append(self.keep(step, where, 'transform'))
        return out

    @staticmethod
    def _device_shape(steps: list, names: List[str]) -> bool:
        """Whether the pipeline ends with [RandomFlip (horizontal)],
        RotationWithLabels, PackSelfSupInputs: what the device does."""
        if names[-2:] != ['RotationWithLabels', 'PackSelfSupInputs']:
            return False
        if names.count('RotationWithLabels') != 1 or len(steps[-2]) > 1:
            return False
        if 'RandomFlip' not in names:
            return True
        flip = steps[names.index('RandomFlip')]
        return names.index('RandomFlip') == len(names) - 3 and \
            set(flip) <= {'type', 'prob', 'direction'} and \
            isinstance(flip.get('prob'), (int, float)) and \
            flip.get('direction', 'horizontal') == 'horizontal'

    def random_resized_crop(self, step: dict, key: str) -> dict:
        renames = dict(
            size='scale', scale='crop_ratio_range', ratio='aspect_ratio_range')
        out = {}
        for arg, value in step.items():
            new = renames.get(arg, arg)
            out[new] = value
        self.change(
            key, 'RandomResizedCrop arguments '
            f'{[a for a in step if a in renames]} -> '
            f'{[renames[a] for a in step if a in renames]} (mmpretrain '
            'names)')
        return self.keep(out, key, 'transform')

    def rotation(self, step: dict, key: str, on_device: bool) -> list:
        extra = sorted(set(step) - {'type'})
        if extra:
            raise MigrationError(
                f'{key}.{extra[0]}: 1.x RotationWithLabels takes no '
                'arguments.')
        if on_device:
            self.change(
                key, 'RotationWithLabels dropped: model.data_preprocessor '
                '(RotationDataPreprocessor) makes the four rotations on the '
                'device, bit-identical to the transform')
            return []
        # stated here too, so that a runner built without the tools (which
        # fill it from the model) cannot rotate the other way
        self.change(
            key, f'RotationWithLabels(clockwise={self.keep_clockwise}) '
            'stays in the loader (the direction stated as in the model)')
        return [dict(type='RotationWithLabels', clockwise=self.keep_clockwise)]

    def pack(self, step: dict, key: str, on_device: bool) -> dict:
        out: Dict[str, Any] = dict(type='PackInputs')
        keys = list(step.get('algorithm_keys', [])) + list(
            step.get('pseudo_label_keys', []))
        if on_device:
            keys = [k for k in keys if k != 'rot_label']
        if keys:
            out['algorithm_keys'] = keys
        for arg, value in step.items():
            if arg == 'key':
                out['input_key'] = value
            elif arg == 'meta_keys':
                out[arg] = value
            elif arg not in ('type', 'algorithm_keys', 'pseudo_label_keys'):
                raise MigrationError(
                    f'{key}.{arg}: PackSelfSupInputs argument without a '
                    'counterpart in PackInputs.')
        self.change(
            key, f'PackSelfSupInputs({_args(step)}) -> PackInputs('
            f'{_args(out)})' +
            (' (rot_label comes from the device)' if on_device else ''))
        return self.keep(out, key, 'transform')

    # --- runtime ------------------------------------------------------------
    def visualizer(self, cfg: dict) -> dict:
        if isinstance(cfg, dict) and \
                _scopeless(cfg.get('type')) == 'SelfSupVisualizer':
            self.change('visualizer.type',
                        "'SelfSupVisualizer' -> 'UniversalVisualizer'")
            cfg = dict(cfg, type='UniversalVisualizer')
        return self.keep(cfg, 'visualizer', 'visualizer')

    def run(self, cfg: dict) -> dict:
        out: Dict[str, Any] = {}
        for key, value in cfg.items():
            if key.startswith('_'):
                continue  # mmengine's bookkeeping (_base_, _scope_)
            if key == 'model':
                out[key] = self.model(value)
            elif key == 'default_scope':
                out[key] = 'mmpretrain'
                out['custom_imports'] = CUSTOM_IMPORTS
                self.change(
                    key, f'{value!r} -> \'mmpretrain\', custom_imports '
                    "['mmselfsup_rot'] added")
            elif key == 'dataset_type':
                out[key] = self.type_name(
                    dict(type=value), key, 'dataset', suffix='')
            elif key.endswith('_pipeline'):
                out[key] = self.pipeline(value, key)
            elif key.endswith('_dataloader'):
                out[key] = self.dataloader(value, key)
            elif key == 'visualizer':
                out[key] = self.visualizer(value)
            elif key in TOP_LEVEL_REGISTRY:
                out[key] = self.keep(value, key, TOP_LEVEL_REGISTRY[key])
            elif key in PLAIN_KEYS:
                out[key] = value
            elif key == 'custom_imports':
                raise MigrationError(
                    f'custom_imports: {value}: 1.x modules cannot be '
                    'imported here; remove them or port them.')
            else:
                raise MigrationError(
                    f'{key}: no known counterpart in this project (not a '
                    'part of mmselfsup 1.x rotation-pred configs).')
        if self.flip_prob is not None and 'model' in out:
            out['model']['data_preprocessor']['flip_prob'] = self.flip_prob
        if 'default_scope' not in out:
            out['default_scope'] = 'mmpretrain'
            out['custom_imports'] = CUSTOM_IMPORTS
            self.change(
                'default_scope', "'mmpretrain' and custom_imports "
                "['mmselfsup_rot'] added")
        return out

    def dataloader(self, cfg: dict, key: str) -> dict:
        if cfg is None:
            return cfg
        out = {}
        for arg, value in cfg.items():
            if arg == 'dataset' and isinstance(value, dict):
                # the pipeline has its own rules; the rest is kept
                dataset = dict(value)
                pipeline = dataset.pop('pipeline', None)
                dataset = self.keep(dataset, f'{key}.dataset', 'dataset')
                if pipeline is not None:
                    dataset['pipeline'] = self.pipeline(
                        pipeline, f'{key}.dataset.pipeline')
                out[arg] = dataset
            else:
                out[arg] = self.keep(value, f'{key}.{arg}',
                                     NESTED_REGISTRY.get(arg))
        return out


def _accepted_args(target: Any) -> Optional[set]:
    """The keyword arguments a class (its ``__init__`` and those of the
    bases it passes ``**kwargs`` to) or a function takes; None when that
    cannot be told."""
    if not inspect.isclass(target):
        try:
            params = inspect.signature(target).parameters
        except (TypeError, ValueError):
            return None
        if any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return None
        return set(params)
    accepted: set = set()
    for cls in target.__mro__:
        if '__init__' not in vars(cls):
            continue
        if cls is object:
            return None
        try:
            params = inspect.signature(vars(cls)['__init__']).parameters
        except (TypeError, ValueError):
            return None
        accepted |= {
            name
            for name, p in params.items()
            if name != 'self' and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                             p.KEYWORD_ONLY)
        }
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return accepted
    return None


def _scopeless(kind: Any) -> str:
    """A type name without its ``mmcls.``/``mmselfsup.`` scope."""
    return str(kind).split('.')[-1]


def _args(cfg: dict) -> str:
    return ', '.join(f'{k}={v!r}' for k, v in cfg.items() if k != 'type')


def migrate_mmselfsup1x_config(
        cfg: Config,
        keep_clockwise: bool = True,
        rotate_on_device: bool = True) -> Tuple[dict, List[str]]:
    """This project's counterpart of a loaded 1.x rotation-pred config.

    Args:
        cfg (Config): From :func:`load_mmselfsup1x_config`.
        keep_clockwise (bool): Keep 1.x's clockwise labels
            (``model.clockwise=True``); False converts them to this
            project's counter-clockwise order. Defaults to True.
        rotate_on_device (bool): Make the flip and the rotations in the
            model's preprocessor (this project's default) when the pipeline
            ends with them; False keeps them in the loader.

    Returns:
        tuple: The migrated config as a dict, and one line per change.

    Raises:
        MigrationError: Naming the first key that cannot be mapped.
    """
    migration = _Migration(keep_clockwise, rotate_on_device)
    out = migration.run(cfg.to_dict())
    return out, migration.changes


def render_config(cfg: dict, source: str, changes: List[str],
                  keep_clockwise: bool) -> str:
    """The migrated config as Python text: a header naming the source and
    the rotation direction, then the config, with the direction explained
    where the model states it."""
    body = Config(cfg).pretty_text
    if keep_clockwise:
        note = ('# mmselfsup 1.x labels: label 1 = 90 degrees clockwise '
                '(mmcv.imrotate);\n# counter-clockwise is this project\'s '
                'default\n# (docs/rotation_conventions.md).')
    else:
        note = ('# Labels converted to counter-clockwise (this project\'s '
                'convention):\n# 1.x labels 1 and 3 swap; convert 1.x '
                'checkpoints with\n# tools/model_converters/'
                'mmselfsup1x_to_mmselfsup_rot.py (no --keep-clockwise).')
    lines: List[str] = []
    noted = False
    for line in body.splitlines():
        stripped = line.lstrip()
        if not noted and stripped.startswith('clockwise='):
            indent = line[:len(line) - len(stripped)]
            lines.extend(indent + n for n in note.splitlines())
            noted = True
        lines.append(line)
    labels = ('clockwise, as in mmselfsup 1.x'
              if keep_clockwise else 'counter-clockwise (converted)')
    header = [
        '# Migrated from the mmselfsup 1.x config',
        f'#   {source}',
        '# by tools/misc/migrate_mmselfsup_config.py (docs/migration.md).',
        f'# Rotation labels: {labels}.',
        '# Changes:',
    ] + [f'#   {c}' for c in changes]
    return '\n'.join(header + lines) + '\n'
