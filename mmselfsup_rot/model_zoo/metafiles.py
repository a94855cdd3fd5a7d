# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""OpenMMLab metafiles (``model-index.yml`` + ``metafile.yml``) built from
the configs on disk and the collected results."""
import os.path as osp
import re
from typing import Dict, List

import yaml

from .configs import config_metadata, config_name, find_configs

# One collection (and metafile) per config family folder.
COLLECTIONS = {
    'configs': ('RotationPred', 'Rotation-prediction pretraining (RotNet).'),
    'benchmarks/classification':
    ('ClassificationBenchmarks',
     'Linear, multi-head linear, kNN, semi-supervised and CIFAR-10 '
     'evaluation of frozen or fine-tuned RotNet backbones.'),
    'benchmarks/svm_voc07':
    ('VOC07SVM', 'VOC07 SVM and low-shot SVM on frozen features.'),
    'benchmarks/mmdetection':
    ('DetectionTransfer', 'mmdet fine-tuning from RotNet backbones.'),
    'benchmarks/mmsegmentation':
    ('SegmentationTransfer', 'mmseg fine-tuning from RotNet backbones.'),
}
PAPER = dict(
    Title='Unsupervised Representation Learning by Predicting Image '
    'Rotations',
    URL='https://arxiv.org/abs/1803.07728')


def algo_is_rotnet(name: str) -> bool:
    """Whether a config belongs to RotNet (pretraining or its benchmarks),
    not to another algorithm of the family."""
    return not re.match(r'(aet|avt|feature-decoupling)', name)


def family_of(path: str) -> str:
    """The collection folder of a config path (its first two components
    under ``benchmarks/``, else ``configs``)."""
    parts = path.split('/')
    return 'configs' if parts[0] == 'configs' else '/'.join(parts[:2])


def build_metafiles(repo: str, results: Dict[str,
                                             List[dict]]) -> Dict[str, dict]:
    """``{metafile path: content}`` listing every config.

    Args:
        repo (str): Repository root.
        results (dict): Per config, the results of our runs collected by
            ``tools/analysis/collect_results.py`` (``Task``, ``Dataset``,
            ``Metrics``, ``Benchmark``).

    Returns:
        dict: Repo-relative metafile path -> YAML-ready dict.
    """
    files: Dict[str, dict] = {}
    for path in find_configs(repo):
        family = family_of(path)
        if family not in COLLECTIONS:
            raise ValueError(
                f'{path}: no collection for the folder {family}; add it to '
                'COLLECTIONS in mmselfsup_rot/model_zoo/metafiles.py.')
        collection, description = COLLECTIONS[family]
        name = config_name(path)
        if family == 'configs':
            # one collection per pretraining algorithm (name prefix)
            algo = name.split('_')[0]
            collection = ''.join(p.capitalize() for p in algo.split('-'))
            description = f'{algo} pretraining.'
        meta_path = f'{family}/metafile.yml'
        content = files.setdefault(meta_path, dict(Collections=[], Models=[]))
        if collection not in [c['Name'] for c in content['Collections']]:
            readme = f'{family}/README.md'
            content['Collections'].append(
                dict(
                    Name=collection,
                    Metadata={
                        'Training Techniques': ['SGD'],
                        'Description': description
                    },
                    Paper=PAPER if algo_is_rotnet(name) else None,
                    README=readme if osp.isfile(osp.join(repo, readme)) else
                    'docs/model_zoo.md'))
            if content['Collections'][-1]['Paper'] is None:
                del content['Collections'][-1]['Paper']
        model = {
            'Name': name,
            'In Collection': collection,
            'Config': path,
            'Metadata': config_metadata(repo, path),
        }
        ours = [
            dict(
                Task=r['Task'],
                Dataset=r['Dataset'],
                Metrics={
                    f'{r["Benchmark"]}: {k}': v
                    for k, v in r['Metrics'].items()
                }) for r in results.get(name, [])
        ]
        # by the mim convention, what this config and its weights produce:
        # published figures are in the reference table of the model zoo
        model['Results'] = ours
        weights = [
            r.get('Weights') for r in results.get(name, []) if r.get('Weights')
        ]
        if weights:
            model['Weights'] = weights[0]
        files[meta_path]['Models'].append(model)
    return files


def dump_yaml(data: dict) -> str:
    """Deterministic YAML (insertion order, no aliases, wide lines)."""

    class NoAlias(yaml.SafeDumper):

        def ignore_aliases(self, data):
            return True

    return yaml.dump(
        data, Dumper=NoAlias, sort_keys=False, width=1000, allow_unicode=True)


def model_index(metafiles: List[str]) -> dict:
    """The root ``model-index.yml``: imports every metafile."""
    return {'Import': sorted(metafiles)}
