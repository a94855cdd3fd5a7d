# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The package and the demo path work with a pure-Python mmcv.

``make demo`` installs mmcv without compiled ops (tools/bootstrap.sh), so
importing ``mmselfsup_rot`` and pretraining through tools/train.py must
neither need ``mmcv.ops`` nor import mmdet or mmseg themselves. Only
mmpretrain and mmcv try them (``mmpretrain.models`` tries mmdet's ResNet,
``mmcv.cnn`` tries ``mmcv.ops``) and fall back when they fail, which is
what happens here: the subprocesses hide ``mmcv._ext`` as a lite install
lacks it, and ``-X importtime`` shows who imported what.
"""
import os.path as osp
import re
from typing import Dict, List

from tests.conftest import REPO, run_tool
from tests.test_utils.lite_mmcv import lite_mmcv_env

HEAVY = re.compile(r'^(mmdet|mmseg|mmcv\.ops|mmcv\._ext)(\.|$)')
# third-party modules whose guarded optional imports may try them
ALLOWED_IMPORTERS = re.compile(r'^(mmpretrain|mmcv)\.')
DIGITS_CFG = osp.join(REPO, 'configs',
                      'rotation-pred_resnet18_1xb64-coslr-12e_digits.py')
CHECK = '''
import importlib.util, runpy
if importlib.util.find_spec('mmcv._ext') is not None:
    raise SystemExit('mmcv._ext is not hidden')
import mmselfsup_rot
runpy.run_path({demo!r}, run_name='not_main')
'''


def importers(output: str) -> Dict[str, List[str]]:
    """Module -> the modules (or '<main>') that imported it, from the
    ``-X importtime`` lines ("import time: self | cumulative | module",
    indented by depth, children printed before their parent)."""
    found: Dict[str, List[str]] = {}
    pending = []  # (depth, module) waiting for their parent
    for line in output.splitlines():
        if not line.startswith('import time:') or line.count('|') != 2:
            continue
        field = line.rsplit('|', 1)[1]
        name = field.strip()
        if not name or line.startswith('import time: self'):  # header
            continue
        depth = (len(field) - len(field.lstrip()) - 1) // 2
        while pending and pending[-1][0] > depth:
            found.setdefault(pending.pop()[1], []).append(name)
        pending.append((depth, name))
    for _, name in pending:
        found.setdefault(name, []).append('<main>')
    return found


def assert_light(output: str) -> None:
    tree = importers(output)
    assert 'mmselfsup_rot.models' in tree and 'mmpretrain.models' in tree
    heavy = [m for m in tree if HEAVY.match(m)]
    assert not [m for m in heavy if m.startswith('mmseg')], heavy
    for module in heavy:
        for parent in tree[module]:
            assert HEAVY.match(parent) or ALLOWED_IMPORTERS.match(parent), \
                f'{parent} imports {module}'


def test_importers_parser():
    lines = [
        'import time: self [us] | cumulative | imported package',
        'import time:  1 |  1 |     c', 'import time:  1 |  2 |   b',
        'import time:  1 |  1 |   d', 'import time:  1 |  4 | a',
        'import time:  1 |  1 | e'
    ]
    assert importers('\n'.join(lines)) == {
        'c': ['b'],
        'b': ['a'],
        'd': ['a'],
        'a': ['<main>'],
        'e': ['<main>']
    }


def test_import_package_is_light(tmp_path):
    proc = run_tool([
        'python', '-X', 'importtime', '-c',
        CHECK.format(demo=osp.join(REPO, 'tools', 'demo.py'))
    ],
                    env=lite_mmcv_env(tmp_path, REPO),
                    timeout=300)
    assert_light(proc.stdout)


def test_digits_pretraining_is_light(tmp_path):
    """tools/train.py on the demo's config (a few images, one epoch)."""
    from mmselfsup_rot.datasets.miniature import make_digits_imagenet
    data = str(tmp_path / 'digits')
    make_digits_imagenet(data, limit=40)
    options = ['train_cfg.max_epochs=1', 'default_hooks.logger.interval=1']
    for loader in ('train_dataloader', 'val_dataloader'):
        options += [
            f'{loader}.dataset.data_root={data}', f'{loader}.batch_size=8',
            f'{loader}.num_workers=0'
        ]
    proc = run_tool(
        [
            'python', '-X', 'importtime',
            osp.join(REPO, 'tools', 'train.py'), DIGITS_CFG, '--work-dir',
            str(tmp_path / 'work'), '--cfg-options'
        ] + options,
        env=lite_mmcv_env(tmp_path, REPO))
    assert_light(proc.stdout)
    assert (tmp_path / 'work' / 'epoch_1.pth').exists()
