# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Find the runs under work directories and read what they logged.

Two kinds of runs are recognised:

- mmengine runs (``tools/train.py``, ``tools/test.py``, the benchmark
  launchers): a work directory holding the dumped config ``<name>.py`` and
  ``<timestamp>/`` folders with ``vis_data/scalars.json`` (training and
  validation records) and ``<timestamp>.json`` (test metrics);
- feature runs (``tools/benchmarks/extract.py`` and the SVM/kNN tools): a
  folder with ``<split>_meta.json`` and ``svm_results.json``,
  ``low_shot_results.json`` or ``knn_results.json``.

A benchmark run belongs to the pretraining run whose work directory
contains it, or whose checkpoint it names: by path, else by content hash.
The run's ``source_checkpoint.json`` (written by every benchmark entry
point, see :mod:`mmselfsup_rot.utils.source_checkpoint`) names the
checkpoint and its SHA-256; runs from before that record fall back to the
``checkpoint`` of the feature meta or ``init_cfg.checkpoint`` /
``load_from`` of the dumped config (following the ``meta`` link of a
converted backbone file). A benchmark run that names no checkpoint at all
is a baseline without pretrained weights (random init, raw pixels); one
whose checkpoint matches no pretraining run stays unattributed.
"""
import glob
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from mmengine.config import Config

from mmselfsup_rot.utils.checkpoint import (CheckpointError,
                                            load_checkpoint_file)
from mmselfsup_rot.utils.source_checkpoint import (file_sha256, link_of,
                                                   read_source_record)

FEATURE_RESULTS = ('svm_results.json', 'low_shot_results.json',
                   'knn_results.json')
# Keys of mmengine records that are bookkeeping, not results.
NOT_METRICS = ('data_time', 'time', 'step', 'epoch', 'iter', 'memory')


@dataclass
class Run:
    """One run found on disk.

    Attributes:
        path (str): Its directory (absolute).
        kind (str): ``'mmengine'`` or ``'features'``.
        config (str, optional): Config name (file name without ``.py``).
        metrics (dict): Final logged metrics (mmengine runs).
        results (dict): Parsed result JSON files by file name (feature
            runs).
        checkpoints (list): Checkpoint paths the run read (its source
            record's ``checkpoint`` first).
        digests (list): SHA-256 of those checkpoints, where known.
        source (dict, optional): Its ``source_checkpoint.json``.
        stamp (str): Its newest log timestamp (orders repeated runs).
        owner (Run, optional): The pretraining run it evaluates.
    """
    path: str
    kind: str
    config: Optional[str] = None
    metrics: Dict[str, float] = field(default_factory=dict)
    results: Dict[str, dict] = field(default_factory=dict)
    checkpoints: List[str] = field(default_factory=list)
    digests: List[str] = field(default_factory=list)
    source: Optional[dict] = None
    stamp: str = ''
    owner: Optional['Run'] = None


def _read_json_lines(path: str) -> List[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _final_metrics(work_dir: str) -> Dict[str, float]:
    """Validation records of every ``scalars.json`` then test metrics of
    every ``<timestamp>.json``, oldest first, so later values win."""
    metrics: Dict[str, float] = {}
    for stamp_dir in sorted(glob.glob(osp.join(work_dir, '*', ''))):
        stamp = osp.basename(osp.normpath(stamp_dir))
        scalars = osp.join(stamp_dir, 'vis_data', 'scalars.json')
        records = _read_json_lines(scalars) if osp.isfile(scalars) else []
        # training records carry the learning rate; the rest are metrics
        for record in records:
            if 'lr' not in record:
                metrics.update(record)
        test = osp.join(stamp_dir, f'{stamp}.json')
        if osp.isfile(test):
            with open(test) as f:
                metrics.update(json.load(f))
    return {
        k: float(v)
        for k, v in metrics.items()
        if k not in NOT_METRICS and isinstance(v, (int, float))
    }


def _config_checkpoints(cfg_path: str) -> List[str]:
    """Checkpoints a dumped config loads: ``load_from`` and every
    ``init_cfg.checkpoint`` of the model."""
    cfg = Config.fromfile(cfg_path, import_custom_modules=False)
    found = [cfg.get('load_from')]

    def walk(node):
        if isinstance(node, dict):
            init = node.get('init_cfg')
            if isinstance(init, dict):
                found.append(init.get('checkpoint'))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(cfg.get('model', {}).to_dict() if cfg.get('model') else {})
    return [p for p in found if isinstance(p, str) and p]


def _link_of_file(path: str) -> Optional[Dict[str, str]]:
    """The ``meta`` link of a converted backbone file that still exists."""
    if not osp.isfile(path):
        return None
    try:
        return link_of(load_checkpoint_file(path))
    except CheckpointError:
        return None


def _sources(folder: str, fallback: List[str]) -> tuple:
    """``(checkpoints, digests, record)`` of a run folder: from its source
    record, else from the ``fallback`` paths its config or meta names
    (each followed to the checkpoint it was converted from, if it still
    exists)."""
    record = read_source_record(folder)
    if record is not None:
        entries = [
            dict(path=record.get('checkpoint'), sha256=record.get('sha256'))
        ]
        entries += list(record.get('loaded') or [])
    else:
        entries = []
        for path in fallback:
            link = _link_of_file(path)
            if link is not None:
                entries.append(link)
            entries.append(dict(path=path, sha256=None))
    checkpoints, digests = [], []
    for entry in entries:
        if entry.get('path') and entry['path'] not in checkpoints:
            checkpoints.append(entry['path'])
        if entry.get('sha256') and entry['sha256'] not in digests:
            digests.append(entry['sha256'])
    return checkpoints, digests, record


def _mmengine_run(work_dir: str, known: Dict[str, str]) -> Optional[Run]:
    """The run of a work directory, if it holds a log of a known config."""
    logs = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    tests = [
        p for p in glob.glob(osp.join(work_dir, '*', '*.json'))
        if osp.basename(p)[:-5] == osp.basename(osp.dirname(p))
    ]
    if not logs and not tests:
        return None
    names = sorted(
        osp.basename(p)[:-3] for p in glob.glob(osp.join(work_dir, '*.py'))
        if osp.basename(p)[:-3] in known)
    if not names:
        return None
    stamps = sorted(
        osp.basename(osp.dirname(osp.dirname(osp.dirname(p))))
        for p in logs) + sorted(osp.basename(osp.dirname(p)) for p in tests)
    checkpoints, digests, record = _sources(
        work_dir, _config_checkpoints(osp.join(work_dir, names[0] + '.py')))
    return Run(
        path=work_dir,
        kind='mmengine',
        config=names[0],
        metrics=_final_metrics(work_dir),
        checkpoints=checkpoints,
        digests=digests,
        source=record,
        stamp=max(stamps))


def _feature_run(folder: str, known: Dict[str, str]) -> Optional[Run]:
    """The run of a feature folder with SVM/kNN results, if any."""
    results = {}
    for name in FEATURE_RESULTS:
        path = osp.join(folder, name)
        if osp.isfile(path):
            with open(path) as f:
                results[name] = json.load(f)
    if not results:
        return None
    named, stamp = [], ''
    for meta_path in sorted(glob.glob(osp.join(folder, '*_meta.json'))):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get('checkpoint') and \
                meta['checkpoint'].lower() not in ('none', 'random'):
            named.append(meta['checkpoint'])
    for name in results:
        stamp = max(stamp, '%.6f' % os.stat(osp.join(folder, name)).st_mtime)
    checkpoints, digests, record = _sources(folder, named)
    # the extraction config, else the folder of extract_and_svm.sh /
    # knn.sh, which write WORK_DIR/features
    config = osp.basename(osp.dirname(folder))
    if record is not None and record.get('config'):
        config = osp.splitext(osp.basename(record['config']))[0]
    return Run(
        path=folder,
        kind='features',
        config=config if config in known else None,
        results=results,
        checkpoints=checkpoints,
        digests=digests,
        source=record,
        stamp=stamp)


def _inside(path: str, folder: str) -> bool:
    path, folder = osp.realpath(path), osp.realpath(folder)
    return path == folder or path.startswith(folder + os.sep)


def find_runs(roots: List[str], pretrain_configs: Dict[str, str],
              benchmark_configs: Dict[str, str]) -> List[Run]:
    """Every run under ``roots``, with the owner of each benchmark run.

    Args:
        roots (list[str]): Work directories to scan recursively.
        pretrain_configs (dict): Config name -> path of the pretraining
            configs.
        benchmark_configs (dict): Config name -> path of the benchmark
            configs.

    Returns:
        list[Run]: Sorted by path; pretraining runs have no owner, benchmark
        runs the pretraining run they evaluate or None.
    """
    known = dict(pretrain_configs, **benchmark_configs)
    runs = []
    for root in roots:
        if not osp.isdir(root):
            raise FileNotFoundError(f'Work directory {root} does not exist.')
        for folder, subdirs, _ in os.walk(osp.abspath(root)):
            subdirs.sort()
            for reader in (_mmengine_run, _feature_run):
                run = reader(folder, known)
                if run is not None:
                    runs.append(run)
    runs = sorted({r.path: r for r in runs}.values(), key=lambda r: r.path)
    pretrain = sorted((r for r in runs if r.config in pretrain_configs),
                      key=lambda r: -len(r.path))
    by_digest: Optional[Dict[str, Run]] = None
    for run in runs:
        if run.config in pretrain_configs:
            continue
        # the innermost pretraining folder holding it or its checkpoint
        for owner in pretrain:
            if _inside(run.path, owner.path) or any(
                    _inside(c, owner.path) for c in run.checkpoints):
                run.owner = owner
                break
        if run.owner is None and run.digests:
            # a copied or moved checkpoint: match its content
            if by_digest is None:
                by_digest = _digests_of(pretrain)
            owners = [by_digest[d] for d in run.digests if d in by_digest]
            run.owner = owners[0] if owners else None
    return runs


def is_baseline(run: Run, pretrain_configs) -> bool:
    """A benchmark run of a known config that loads no pretrained weights
    (random initialisation, raw pixels)."""
    return (run.config is not None and run.config not in pretrain_configs
            and run.owner is None and not run.checkpoints)


def is_unattributed(run: Run, pretrain_configs) -> bool:
    """A benchmark run that no pretraining run and no baseline accounts
    for (its checkpoint is elsewhere, or its config is unknown)."""
    return (run.config not in pretrain_configs and run.owner is None
            and not is_baseline(run, pretrain_configs))


_DIGESTS: Dict[tuple, str] = {}


def _digests_of(pretrain: List[Run]) -> Dict[str, Run]:
    """SHA-256 -> pretraining run, over the checkpoints in each pretraining
    work directory (cached per file path, size and mtime)."""
    found: Dict[str, Run] = {}
    for run in pretrain:
        for path in sorted(glob.glob(osp.join(run.path, '*.pth'))):
            stat = os.stat(path)
            key = (osp.realpath(path), stat.st_size, stat.st_mtime_ns)
            if key not in _DIGESTS:
                _DIGESTS[key] = file_sha256(path)
            found.setdefault(_DIGESTS[key], run)
    return found
