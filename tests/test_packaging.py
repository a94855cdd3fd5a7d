# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The wheel holds the library only: nothing in it needs the checkout."""
import os.path as osp
import re
import subprocess
import sys
import zipfile

from tests.conftest import REPO

# what only a checkout has: the tools, configs and benchmark configs
CHECKOUT_ONLY = re.compile(
    r'^\s*(from|import)\s+(tools|configs|benchmarks|tests)(\.|\s|$)', re.M)


def test_wheel_holds_the_library_only(tmp_path):
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '--quiet', '-w',
        str(tmp_path), REPO
    ],
                   check=True,
                   cwd=str(tmp_path))
    wheels = list(tmp_path.glob('mmselfsup_rot-*.whl'))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = wheel.namelist()
        tops = {name.split('/')[0] for name in names}
        sources = {
            name: wheel.read(name).decode()
            for name in names if name.endswith('.py')
        }
    assert {t for t in tops if not t.endswith('.dist-info')} == \
        {'mmselfsup_rot'}
    assert 'mmselfsup_rot/models/algorithms/rotation_pred.py' in sources
    assert not [n for n in names if '/gpu_check/' in n]
    needing_checkout = [
        name for name, text in sources.items() if CHECKOUT_ONLY.search(text)
    ]
    assert needing_checkout == []
    # the same files as the package's sources in the checkout
    assert len(sources) == sum(1 for name in sources
                               if osp.isfile(osp.join(REPO, *name.split('/'))))
