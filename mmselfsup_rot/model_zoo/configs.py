# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Find the project's configs and read the facts a model zoo lists."""
import ast
import os
import os.path as osp
import re
from typing import Dict, List, Optional

from mmengine.config import Config

CONFIG_ROOTS = ('configs', 'benchmarks')

# Dataset tokens of OpenMMLab config names (``..._<data>.py``).
DATASETS = {
    'in1k': 'ImageNet-1k',
    'places205': 'Places205',
    'cifar10': 'CIFAR-10',
    'digits': 'scikit-learn digits',
    'inat18': 'iNaturalist 2018',
    'voc07': 'PASCAL VOC 2007',
    'voc0712': 'PASCAL VOC 2007+2012',
    'voc12': 'PASCAL VOC 2012',
    'voc12aug': 'PASCAL VOC 2012 aug',
    'coco': 'COCO 2017',
    'cityscapes': 'Cityscapes',
}


def is_config_file(path: str) -> bool:
    """Whether a ``.py`` file is an mmengine config, not a script or a
    module: it assigns ``_base_`` or ``model`` at the top level and defines
    no class and no ``__main__`` block."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), filename=path)
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            return False
        if isinstance(node, ast.If) and '__main__' in ast.dump(node.test):
            return False
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return bool(names & {'_base_', 'model'})


def find_configs(repo: str, roots=CONFIG_ROOTS) -> List[str]:
    """Repo-relative paths (``/``-separated, sorted) of every config under
    ``roots``, leaving out ``_base_`` folders and ``_base*`` files."""
    found = []
    for root in roots:
        for folder, subdirs, files in os.walk(osp.join(repo, root)):
            subdirs[:] = sorted(d for d in subdirs
                                if d != '_base_' and d != '__pycache__')
            for name in files:
                path = osp.join(folder, name)
                if (name.endswith('.py') and not name.startswith('_base')
                        and is_config_file(path)):
                    found.append(osp.relpath(path, repo).replace(os.sep, '/'))
    return sorted(found)


def config_name(path: str) -> str:
    """The model name of a config: its file name without ``.py``."""
    return osp.splitext(osp.basename(path))[0]


def dataset_of(name: str) -> Optional[str]:
    """The dataset named by the last ``_``-token of a config name that
    starts with a known key (``cifar10-k100`` -> CIFAR-10)."""
    for token in reversed(name.split('_')):
        head = token.split('-')[0]
        if head in DATASETS:
            return DATASETS[head]
    return None


def _architecture(model: dict) -> List[str]:
    """Backbone (with depth), neck and head types of a model config."""
    arch = []
    backbone = model.get('backbone') or {}
    if backbone.get('type'):
        # mmdet/mmseg configs reach our backbones by scope
        backbone = dict(backbone, type=backbone['type'].split('.')[-1])
        depth = backbone.get('depth')
        arch.append(
            f'{backbone["type"]}-{depth}' if depth else backbone['type'])
    for key in ('neck', 'head', 'decode_head', 'rpn_head', 'roi_head'):
        part = model.get(key)
        if isinstance(part, dict) and part.get('type'):
            arch.append(part['type'])
    return arch


def config_metadata(repo: str, path: str) -> Dict[str, object]:
    """``Training Data``, ``Epochs``/``Iterations``, ``Batch Size`` and
    ``Architecture`` of a config, as OpenMMLab metafiles list them.

    Args:
        repo (str): Repository root.
        path (str): Repo-relative config path.

    Returns:
        dict: Metafile ``Metadata``; keys whose value is unknown are left
        out.
    """
    cfg = Config.fromfile(osp.join(repo, path), import_custom_modules=False)
    name = config_name(path)
    meta: Dict[str, object] = {}
    data = dataset_of(name)
    if data:
        meta['Training Data'] = data
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('max_epochs'):
        meta['Epochs'] = int(train_cfg['max_epochs'])
    elif train_cfg.get('max_iters'):
        meta['Iterations'] = int(train_cfg['max_iters'])
    loader = cfg.get('train_dataloader') or {}
    per_gpu = loader.get('batch_size')
    match = re.search(r'(\d+)xb(\d+)', name)
    if match:
        meta['Batch Size'] = int(match.group(1)) * int(match.group(2))
    elif per_gpu:
        meta['Batch Size'] = int(per_gpu)
    arch = _architecture(cfg.get('model') or {})
    if arch:
        meta['Architecture'] = arch
    return meta


def evaluator_types(repo: str, path: str) -> List[str]:
    """Types of the ``val_evaluator`` and ``test_evaluator`` metrics of a
    config (what its runs can log), without importing the plugin.

    Args:
        repo (str): Repository root.
        path (str): Repo-relative config path.

    Returns:
        list[str]: Sorted distinct metric types.
    """
    cfg = Config.fromfile(osp.join(repo, path), import_custom_modules=False)
    found = set()
    for key in ('val_evaluator', 'test_evaluator'):
        evaluator = cfg.get(key) or []
        if isinstance(evaluator, dict):
            # an Evaluator config wraps its metrics
            evaluator = evaluator.get('metrics', evaluator)
        for metric in (evaluator if isinstance(evaluator,
                                               (list,
                                                tuple)) else [evaluator]):
            if isinstance(metric, dict) and metric.get('type'):
                found.add(str(metric['type']).split('.')[-1])
    return sorted(found)
