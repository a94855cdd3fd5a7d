# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The demo's report on real probe runs (the ``zoo_runs`` fixture runs the
demo's configs): the per-layer table, the best-layer summary and the
figure."""
import os.path as osp
import runpy

import pytest
from PIL import Image

from mmselfsup_rot.utils.logs import last_value, read_scalars
from tests.conftest import REPO

pytestmark = pytest.mark.slow

DEMO = runpy.run_path(osp.join(REPO, 'tools', 'demo.py'), run_name='demo')


@pytest.fixture(scope='module')
def probes(zoo_runs):
    return {
        name: DEMO['probe_accuracies'](str(zoo_runs[key]))
        for name, key in (('RotNet', 'probe'), ('random init', 'random_init'),
                          ('raw pixels', 'pixels'))
    }


def test_probe_accuracies_are_the_logged_ones(zoo_runs, probes):
    layers = ['stem', 'stage1', 'stage2', 'stage3', 'stage4']
    assert list(probes['RotNet']) == layers
    assert list(probes['random init']) == layers
    assert list(probes['raw pixels']) == ['pixels']
    scalars = read_scalars(str(zoo_runs['probe']))
    for layer, value in probes['RotNet'].items():
        assert value == last_value(scalars, f'multi-head/{layer}_top1')


def test_table_and_best_layer_summary(probes):
    lines = DEMO['probe_table'](probes).splitlines()
    assert lines[0] == ('| features | pixels | stem | stage1 | stage2 | '
                        'stage3 | stage4 |')
    rot = probes['RotNet']
    assert lines[2] == ('| RotNet | - | ' +
                        ' | '.join(f'{v:.2f}' for v in rot.values()) + ' |')
    pixels = probes['raw pixels']['pixels']
    assert lines[4] == f'| raw pixels | {pixels:.2f} |' + ' - |' * 5
    best = {
        name: max(accs.items(), key=lambda kv: kv[1])
        for name, accs in probes.items()
    }
    (rot_layer, rot_acc), (rnd_layer,
                           rnd_acc) = best['RotNet'], best['random init']
    assert DEMO['summary_line'](probes) == (
        f'best layer: RotNet {rot_acc:.2f}% ({rot_layer}) vs random init '
        f'{rnd_acc:.2f}% ({rnd_layer}): {rot_acc - rnd_acc:+.2f} points; '
        f'raw pixels {pixels:.2f}%')


def test_best_layer_takes_the_shallower_layer_on_ties():
    assert DEMO['best_layer'](dict(stem=50., stage2=70.,
                                   stage1=70.)) == ('stage1', 70.)


def test_figure_draws_the_probes(zoo_runs, probes, tmp_path):
    out = str(tmp_path / 'demo.png')
    DEMO['plot'](read_scalars(str(zoo_runs['pretrain'])), probes, out)
    with Image.open(out) as img:
        assert img.size == (1700, 420)


def test_online_probes_beside_the_offline_ones(zoo_runs, probes):
    online = DEMO['online_curves'](read_scalars(str(zoo_runs['pretrain'])))
    assert list(online) == ['stage1', 'stage2', 'stage3', 'stage4']
    lines = DEMO['online_vs_offline'](online, probes['RotNet']).splitlines()
    assert lines[0] == '| stage | online (last epoch) | offline | gap |'
    stage, (_, last) = 'stage2', online['stage2'][-1]
    offline = probes['RotNet'][stage]
    assert lines[3] == (f'| {stage} | {last:.2f} | {offline:.2f} | '
                        f'{offline - last:+.2f} |')
    assert DEMO['online_vs_offline'](
        dict(conv9=[(1, 50.)]),
        {}) == '\n'.join(lines[:2] + ['| conv9 | 50.00 | - | - |'])
