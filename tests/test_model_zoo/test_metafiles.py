# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""mim-style validation of model-index.yml and the metafiles."""
import glob
import os.path as osp

import yaml

from mmselfsup_rot.model_zoo.collect import load_results_json
from mmselfsup_rot.model_zoo.configs import find_configs, is_config_file
from mmselfsup_rot.model_zoo.metafiles import build_metafiles, dump_yaml
from tests.conftest import REPO

REQUIRED = ('Name', 'In Collection', 'Config', 'Metadata', 'Results')


def _models():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models, collections = [], set()
    for meta in index['Import']:
        assert osp.isfile(osp.join(REPO, meta)), meta
        with open(osp.join(REPO, meta)) as f:
            data = yaml.safe_load(f)
        collections |= {c['Name'] for c in data['Collections']}
        models += data['Models']
    return models, collections


def test_every_listed_config_exists_and_is_complete():
    models, collections = _models()
    names = [m['Name'] for m in models]
    assert len(names) == len(set(names))
    for model in models:
        assert all(key in model for key in REQUIRED), model['Name']
        assert model['In Collection'] in collections
        assert osp.isfile(osp.join(REPO, model['Config'])), model['Config']
        assert model['Metadata'].get('Training Data'), model['Name']
        for result in model['Results']:
            assert {'Task', 'Dataset', 'Metrics'} <= set(result)


def test_every_config_is_listed():
    listed = {m['Config'] for m in _models()[0]}
    on_disk = set()
    for root in ('configs', 'benchmarks'):
        for path in glob.glob(
                osp.join(REPO, root, '**', '*.py'), recursive=True):
            rel = osp.relpath(path, REPO)
            if '_base_' in rel.split(osp.sep) or \
                    osp.basename(rel).startswith('_base'):
                continue
            text = open(path).read()
            # scripts and modules next to the configs are not models
            if "__name__ == '__main__'" in text or '\nclass ' in text:
                assert not is_config_file(path)
                continue
            on_disk.add(rel)
    assert on_disk == set(find_configs(REPO))
    assert on_disk == listed
    assert 'configs/rotation-pred_resnet50_8xb16-steplr-70e_in1k.py' in listed


def test_results_are_only_our_runs():
    """mim convention: a model's Results are what its config and weights
    produce; the published figures are in the model zoo's reference
    table."""
    results = load_results_json(osp.join(REPO, 'docs', 'model_zoo.json'))
    models = {m['Name']: m for m in _models()[0]}
    for name, model in models.items():
        assert len(model['Results']) == len(results.get(name, [])), name
        for result in model['Results']:
            assert not any('published' in k.lower()
                           for k in result['Metrics']), name
    # no run of the published recipes is collected: no Results at all
    assert models['rotation-pred_resnet50_8xb16-steplr-70e_in1k'][
        'Results'] == []
    assert models['rotation-pred_alexnet-bn_1xb192-steplr-50e_in1k'][
        'Results'] == []


def test_metafiles_are_up_to_date():
    """What tools/analysis/update_metafiles.py would write now."""
    results = load_results_json(osp.join(REPO, 'docs', 'model_zoo.json'))
    for rel, content in build_metafiles(REPO, results).items():
        with open(osp.join(REPO, rel)) as f:
            assert f.read() == dump_yaml(content), (
                f'{rel} is stale: run tools/analysis/update_metafiles.py')
