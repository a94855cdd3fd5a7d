# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Read checkpoints safely and get a backbone's weights out of them."""
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import torch

#: Parts of a model that a checkpoint may lack: the online probes watch
#: pretraining and start afresh (a converted or older checkpoint has none).
OPTIONAL_PREFIXES = ('online_probe.', )


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable or of the wrong kind."""


def load_checkpoint_file(path: str) -> dict:
    """``torch.load`` in safe mode, with a one-line error on failure.

    Only tensors, plain containers and the classes registered by
    :func:`mmselfsup_rot.utils.safe_load.register_checkpoint_safe_globals`
    are unpickled; a file that would execute code is refused.
    """
    if not osp.isfile(path):
        raise CheckpointError(f'Checkpoint not found: {path}')
    from .safe_load import register_checkpoint_safe_globals
    register_checkpoint_safe_globals()
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # torch raises several types here
        lines = str(err).strip().splitlines() or ['']
        # torch's first line is generic; the useful one names the global.
        first = next((ln.strip() for ln in lines if 'global' in ln.lower()),
                     lines[0])
        raise CheckpointError(
            f'Cannot load {path} safely ({type(err).__name__}: {first}). '
            'Only tensors and the classes of OpenMMLab checkpoints are '
            'accepted.') from None
    if not isinstance(obj, dict):
        raise CheckpointError(f'{path} holds a {type(obj).__name__}, not a '
                              'checkpoint dict.')
    return obj


def get_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The weights of a checkpoint saved by mmengine, mmselfsup or plain
    ``torch.save(model.state_dict())``."""
    for key in ('state_dict', 'model', 'network'):
        if isinstance(checkpoint.get(key), dict):
            return checkpoint[key]
    if checkpoint and all(
            isinstance(v, torch.Tensor) for v in checkpoint.values()):
        return checkpoint
    raise CheckpointError(
        'No weights found: expected a "state_dict" (mmengine), "network" '
        '(official RotNet) or a flat tensor dict; got keys '
        f'{sorted(checkpoint)[:8]}.')


def backbone_state_dict(
        checkpoint: dict,
        prefix: str = 'backbone.',
        source: Optional[str] = None) -> 'OrderedDict[str, torch.Tensor]':
    """Backbone weights of a full model checkpoint or of backbone-only
    weights.

    Args:
        checkpoint (dict): A loaded checkpoint.
        prefix (str): Prefix of the backbone keys in full checkpoints.
        source (str, optional): File name for error messages.

    Returns:
        OrderedDict: Keys without ``prefix``.
    """
    state = get_state_dict(checkpoint)
    if state and all(k.startswith('module.') for k in state):
        state = {k[len('module.'):]: v for k, v in state.items()}
    with_prefix = OrderedDict(
        (k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
    if with_prefix:
        return with_prefix
    heads = ('head.', 'neck.', 'data_preprocessor.')
    if any(k.startswith(heads) for k in state):
        raise CheckpointError(
            f'{source or "The checkpoint"} has model weights but none under '
            f'"{prefix}"; key prefixes found: '
            f'{sorted({k.split(".")[0] for k in state})}.')
    return OrderedDict(state)


def _prefixes(keys) -> List[str]:
    """The distinct first components of dotted keys, for messages."""
    return sorted({k.split('.')[0] for k in keys})


def match_state_dict(model_state: Dict[str, torch.Tensor],
                     state: Dict[str, torch.Tensor]) -> Dict[str, list]:
    """Compare checkpoint weights with a model's.

    Args:
        model_state (dict): ``module.state_dict()``.
        state (dict): The weights to load.

    Returns:
        dict: ``matched`` (same name and shape), ``shape_mismatch``
        (``(key, checkpoint shape, model shape)``), ``missing`` (model
        keys absent from the checkpoint) and ``unexpected`` (checkpoint keys
        unknown to the model).
    """
    matched, mismatched = [], []
    for key, value in state.items():
        if key in model_state:
            if tuple(value.shape) == tuple(model_state[key].shape):
                matched.append(key)
            else:
                mismatched.append(
                    (key, tuple(value.shape), tuple(model_state[key].shape)))
    return dict(
        matched=matched,
        shape_mismatch=mismatched,
        missing=[k for k in model_state if k not in state],
        unexpected=[k for k in state if k not in model_state])


def _raise_if_unfit(report: Dict[str, list], model_state: Dict[str,
                                                               torch.Tensor],
                    state: Dict[str, torch.Tensor], source: str,
                    allow_missing: Sequence[str]) -> None:
    """Raise one line listing what matched and what did not."""
    missing = [
        k for k in report['missing'] if not k.endswith(tuple(allow_missing))
        and not k.startswith(OPTIONAL_PREFIXES)
    ]
    if not missing and not report['shape_mismatch']:
        return
    parts = [
        f'{source} does not fit the model: '
        f'{len(report["matched"])} of {len(model_state)} weights match'
    ]
    if report['shape_mismatch']:
        key, got, want = report['shape_mismatch'][0]
        parts.append(f'{len(report["shape_mismatch"])} differ in shape '
                     f'(e.g. {key}: {list(got)} in the checkpoint, '
                     f'{list(want)} in the model)')
    if missing:
        parts.append(f'{len(missing)} are missing (e.g. {missing[:3]})')
    if report['unexpected']:
        parts.append(f'{len(report["unexpected"])} checkpoint keys are '
                     f'unknown (e.g. {report["unexpected"][:3]})')
    if not report['matched']:
        parts.append(f'checkpoint key prefixes {_prefixes(state)}, model '
                     f'key prefixes {_prefixes(model_state)}')
    raise CheckpointError('; '.join(parts) + '. Is it a checkpoint of this '
                          'architecture and of this toolbox?')


def load_state_dict_checked(
    module: torch.nn.Module,
    state: Dict[str, torch.Tensor],
    source: str = 'The checkpoint',
    allow_missing: Sequence[str] = ('num_batches_tracked', )
) -> Dict[str, list]:
    """Load ``state`` into ``module`` only if it fits, else explain why.

    A checkpoint of another architecture, another toolbox or another part of
    the model either matches no key or mismatches shapes; ``load_state_dict``
    then gives an obscure error or, with ``strict=False``, silently keeps
    the random weights. This raises one :class:`CheckpointError` that says
    how many weights matched and lists what did not.

    Args:
        module (nn.Module): The module to fill.
        state (dict): Its weights (keys relative to ``module``).
        source (str): The file, for messages.
        allow_missing (Sequence[str]): Key suffixes that may be missing
            (BN counters absent from older checkpoints).

    Returns:
        dict: The comparison of :func:`match_state_dict`.

    Raises:
        CheckpointError: If a weight is missing or has another shape.
    """
    model_state = module.state_dict()
    report = match_state_dict(model_state, state)
    _raise_if_unfit(report, model_state, state, source, allow_missing)
    module.load_state_dict({k: state[k]
                            for k in report['matched']},
                           strict=False)
    return report


def check_checkpoint_fits(
    model: torch.nn.Module,
    path: str,
    allow_missing: Sequence[str] = ('num_batches_tracked',
                                    'data_preprocessor.')
) -> Dict[str, list]:
    """Check, before mmengine loads it leniently, that a whole-model
    checkpoint (as given to ``tools/test.py``) fits ``model``.

    Returns:
        dict: The comparison of :func:`match_state_dict`.

    Raises:
        CheckpointError: If it is unreadable, unsafe or does not fit.
    """
    state = get_state_dict(load_checkpoint_file(path))
    if state and all(k.startswith('module.') for k in state):
        state = {k[len('module.'):]: v for k, v in state.items()}
    model = getattr(model, 'module', model)  # DDP wrappers
    model_state = model.state_dict()
    report = match_state_dict(model_state, state)
    _raise_if_unfit(report, model_state, state, path, allow_missing)
    return report


def _pretrained_cfgs(init_cfg) -> list:
    """The ``Pretrained`` entries of a module's ``init_cfg``."""
    cfgs = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    return [
        c for c in cfgs
        if isinstance(c, dict) and c.get('type') == 'Pretrained'
    ]


def check_pretrained_init_cfgs(model: torch.nn.Module) -> int:
    """Check every ``init_cfg=dict(type='Pretrained', ...)`` of ``model``
    before mmengine loads it leniently (``strict=False`` only warns).

    Each checkpoint must fill the module it initialises: a foreign,
    mis-prefixed or wrong-architecture file raises one
    :class:`CheckpointError` listing what matched and what did not.

    Returns:
        int: The number of ``Pretrained`` configs checked.
    """
    model = getattr(model, 'module', model)  # DDP wrappers
    checked = 0
    for name, module in model.named_modules():
        for cfg in _pretrained_cfgs(getattr(module, 'init_cfg', None)):
            where = f'{name or "model"}.init_cfg'
            path = cfg.get('checkpoint')
            if not path:
                raise CheckpointError(
                    f'{where} is Pretrained but names no checkpoint; set '
                    f'{where}.checkpoint=PATH (or remove the init_cfg).')
            checkpoint = load_checkpoint_file(path)
            prefix = cfg.get('prefix')
            state = (
                backbone_state_dict(checkpoint, prefix, path)
                if prefix else get_state_dict(checkpoint))
            model_state = module.state_dict()
            report = match_state_dict(model_state, state)
            _raise_if_unfit(report, model_state, state, path,
                            ('num_batches_tracked', ))
            checked += 1
    return checked
