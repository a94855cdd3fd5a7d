# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The fallbacks tools/gpu_node_run.sh puts on an offline node's path when
the node's setuptools lacks them (tools/node_compat/): mmengine resolves
the transfer configs' ``mmdet::`` / ``mmseg::`` bases through the
``pkg_resources`` one exactly as through setuptools' own, and every
Runner's ``collect_env`` runs on the ``distutils`` one."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

COMPAT = osp.join(REPO, 'tools', 'node_compat')
SEG_CFG = osp.join(REPO, 'benchmarks', 'mmsegmentation', 'voc12aug',
                   'fcn_r50-d8_4xb4-20k_voc12aug-512x512.py')
DET_CFG = osp.join(REPO, 'benchmarks', 'mmdetection', 'voc0712',
                   'faster-rcnn_r50-c4_8xb2-ms-24k_voc0712.py')

RESOLVE = f'''
import json, warnings
warnings.simplefilter('ignore')
import pkg_resources
from mmengine.config import Config
from mmengine.utils import get_installed_path, is_installed
dist = pkg_resources.get_distribution('mmsegmentation')
try:
    pkg_resources.get_distribution('no-such-distribution')
    missing = None
except pkg_resources.DistributionNotFound:
    missing = 'DistributionNotFound'
print(json.dumps(dict(
    module=pkg_resources.__file__,
    installed=[is_installed(p) for p in
               ('mmdet', 'mmseg', 'mmsegmentation', 'no_such_package')],
    paths=[get_installed_path(p) for p in ('mmdet', 'mmsegmentation')],
    version=dist.version,
    top_level=dist.get_metadata('top_level.txt').split()[0],
    missing=missing,
    det=Config.fromfile({DET_CFG!r}).model.roi_head.type,
    seg=Config.fromfile({SEG_CFG!r}).model.decode_head.type)))
'''


def _run(code, python_path):
    # setuptools' distutils hook off: as where Python 3.12 has no distutils
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(python_path),
        SETUPTOOLS_USE_DISTUTILS='stdlib')
    proc = subprocess.run([sys.executable, '-c', code],
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_pkg_resources_fallback_resolves_like_setuptools(tmp_path):
    pytest.importorskip('pkg_resources')  # the reference
    folder = tmp_path / 'compat'
    folder.mkdir()
    shutil.copy(osp.join(COMPAT, 'pkg_resources.py'), folder)
    fallback = _run(RESOLVE, [str(folder), REPO])
    real = _run(RESOLVE, [REPO])
    assert fallback['module'] == str(folder / 'pkg_resources.py')
    assert real['module'] != fallback['module']
    for key in ('installed', 'paths', 'version', 'top_level', 'missing', 'det',
                'seg'):
        assert fallback[key] == real[key], key
    assert fallback['installed'] == [True, True, True, False]
    assert fallback['paths'][1].endswith(osp.join('', 'mmseg'))
    assert fallback['missing'] == 'DistributionNotFound'
    # set only by the mmdet:: / mmseg:: bases
    assert (fallback['det'], fallback['seg']) == ('StandardRoIHead', 'FCNHead')


def test_distutils_fallback_serves_collect_env(tmp_path):
    folder = tmp_path / 'compat'
    shutil.copytree(osp.join(COMPAT, 'distutils'), folder / 'distutils')
    code = ('import json, distutils.errors as e\n'
            'from mmengine.utils.dl_utils import collect_env\n'
            'env = collect_env()\n'
            'print(json.dumps(dict(module=e.__file__, gcc=env["GCC"],\n'
            '    platform=issubclass(e.DistutilsPlatformError,\n'
            '                        e.DistutilsError))))')
    out = _run(code, [str(folder), REPO])
    assert out['module'] == str(folder / 'distutils' / 'errors.py')
    assert out['gcc'] != 'n/a' and out['platform'] is True
