# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Which pretraining checkpoint a benchmark run evaluates.

Every benchmark entry point (``tools/train.py`` when the model loads
``Pretrained`` weights, ``tools/benchmarks/train_transfer.py``,
``tools/benchmarks/extract.py`` and the SVM/kNN tools on its output) writes
``source_checkpoint.json`` into its output folder::

    {
      "checkpoint": "/abs/work_dirs/rotnet/epoch_70.pth",  # null: none
      "sha256": "<hex digest of that file>",
      "loaded": [{"path": "...", "sha256": "..."}],  # files read instead
      "tool": "tools/train.py",
      "config": "/abs/benchmarks/.../config.py"
    }

``checkpoint`` is the pretraining checkpoint itself: a backbone file
written by :func:`mmselfsup_rot.downstream.save_backbone_checkpoint` keeps
the path and digest of the checkpoint it came from in its ``meta``, and the
record follows that link, so a run remains attributable when it loaded a
converted copy in another folder. ``tools/analysis/collect_results.py``
attributes benchmark runs by this record (path, else digest).
"""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

RECORD_FILE = 'source_checkpoint.json'
# Keys of a checkpoint's ``meta`` naming the file it was converted from.
META_KEY = 'source_checkpoint'
NO_WEIGHTS = ('', 'none', 'random')


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def link_of(checkpoint: dict) -> Optional[Dict[str, str]]:
    """The ``meta.source_checkpoint`` link (``path``, ``sha256``) of a
    loaded checkpoint that was converted from another one, if any."""
    meta = checkpoint.get('meta')
    link = meta.get(META_KEY) if isinstance(meta, dict) else None
    if isinstance(link, dict) and link.get('path') and link.get('sha256'):
        return dict(path=str(link['path']), sha256=str(link['sha256']))
    return None


def source_link(path: str,
                checkpoint: Optional[dict] = None,
                sha256: Optional[str] = None) -> Dict[str, str]:
    """``path`` and ``sha256`` of the pretraining checkpoint behind the file
    ``path``: its ``meta`` link if it is a converted copy, else itself.

    Args:
        path (str): A checkpoint file.
        checkpoint (dict, optional): Its content, if already loaded.
        sha256 (str, optional): Its digest, if already computed.
    """
    if checkpoint is None:
        from .checkpoint import CheckpointError, load_checkpoint_file
        try:
            checkpoint = load_checkpoint_file(path)
        except CheckpointError:
            checkpoint = {}
    return link_of(checkpoint) or dict(
        path=osp.abspath(path), sha256=sha256 or file_sha256(path))


def describe_checkpoint(path: str) -> Dict[str, object]:
    """Absolute path and SHA-256 of ``path``, and ``derived_from`` (the
    same for the checkpoint it was converted from) when its ``meta`` names
    one."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'Checkpoint not found: {path}')
    info: Dict[str, object] = dict(
        path=osp.abspath(path), sha256=file_sha256(path))
    source = source_link(path, sha256=info['sha256'])
    if source['path'] != info['path']:
        info['derived_from'] = source
    return info


def source_record(checkpoints: Sequence[Optional[str]],
                  tool: str,
                  config: Optional[str] = None) -> dict:
    """The record of a run that loaded ``checkpoints``.

    Args:
        checkpoints (Sequence[str | None]): Files the run loaded
            (duplicates and ``None``/``'none'``/``'random'`` are ignored;
            none left means no pretrained weights).
        tool (str): The entry point, e.g. ``'tools/train.py'``.
        config (str, optional): The config the run used.

    Returns:
        dict: ``checkpoint``, ``sha256``, ``loaded``, ``tool``,
        ``config`` (format in the module docstring).
    """
    files: List[str] = []
    for path in checkpoints:
        if path is None or str(path).lower() in NO_WEIGHTS:
            continue
        if osp.abspath(path) not in files:
            files.append(osp.abspath(path))
    record = dict(
        checkpoint=None,
        sha256=None,
        loaded=[],
        tool=tool,
        config=osp.abspath(config) if config else None)
    for path in files:
        info = describe_checkpoint(path)
        source = info.get('derived_from') or info
        if record['checkpoint'] is None:
            record['checkpoint'] = source['path']
            record['sha256'] = source['sha256']
        if source is not info or info['path'] != record['checkpoint']:
            record['loaded'].append(
                dict(path=info['path'], sha256=info['sha256']))
    return record


def write_source_record(out_dir: str,
                        checkpoints: Sequence[Optional[str]],
                        tool: str,
                        config: Optional[str] = None) -> str:
    """Write :func:`source_record` as ``out_dir/source_checkpoint.json``.

    Returns:
        str: The written path.
    """
    record = source_record(checkpoints, tool, config)
    os.makedirs(out_dir, exist_ok=True)
    path = osp.join(out_dir, RECORD_FILE)
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'w') as f:
        json.dump(record, f, indent=1)
        f.write('\n')
    os.replace(tmp, path)
    return path


def ensure_source_record(folder: str, checkpoint: Optional[str],
                         tool: str) -> Optional[str]:
    """Give a feature folder extracted without a record one, from the
    ``checkpoint`` its meta names (no-op when it has a record).

    Returns:
        str | None: The written path, or None if nothing was written
        (a record exists, or the named checkpoint is gone).
    """
    if read_source_record(folder) is not None:
        return None
    if checkpoint and str(checkpoint).lower() not in NO_WEIGHTS and \
            not osp.isfile(checkpoint):
        print(f'{folder}: its features name {checkpoint}, which no longer '
              f'exists; no {RECORD_FILE} written.')
        return None
    return write_source_record(folder, [checkpoint], tool)


def read_source_record(folder: str) -> Optional[dict]:
    """The record of a run folder, or None if it has none.

    Raises:
        ValueError: If the file exists but is not a record.
    """
    path = osp.join(folder, RECORD_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        try:
            record = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{path} is not valid JSON: {err}') from None
    if not isinstance(record, dict) or 'checkpoint' not in record:
        raise ValueError(f'{path} is not a source-checkpoint record (no '
                         '"checkpoint" key).')
    return record


def pretrained_checkpoints(model) -> List[str]:
    """Checkpoints of every ``init_cfg=dict(type='Pretrained', ...)`` of a
    built model, in module order."""
    from .checkpoint import _pretrained_cfgs
    model = getattr(model, 'module', model)  # DDP wrappers
    found = []
    for _, module in model.named_modules():
        for cfg in _pretrained_cfgs(getattr(module, 'init_cfg', None)):
            if cfg.get('checkpoint') and cfg['checkpoint'] not in found:
                found.append(cfg['checkpoint'])
    return found
