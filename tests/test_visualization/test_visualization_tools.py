# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The visual analysis tools on a checkpoint of our own pretraining
config."""
import json
import os.path as osp
import runpy
import sys
from unittest import mock

import numpy as np
import pytest
import torch
from PIL import Image

from mmselfsup_rot.visualization.filters import filter_grid
from tests.conftest import REPO, run_tool

pytestmark = pytest.mark.slow


def _tool(name):
    return ['python', osp.join(REPO, 'tools', 'analysis', name)]


def test_filter_grid_shows_a_known_weight_pattern(zoo_runs, tmp_path):
    ckpt = torch.load(
        zoo_runs['checkpoint'], map_location='cpu', weights_only=True)
    weight = ckpt['state_dict']['backbone.conv1.weight']
    num, _, k, _ = weight.shape
    # filter i: one hot pixel at (i % k, (i // k) % k) in channel i % 3
    pattern = torch.zeros_like(weight)
    for i in range(num):
        pattern[i, i % 3, i % k, (i // k) % k] = 2.
    ckpt['state_dict']['backbone.conv1.weight'] = pattern - 1.
    src = tmp_path / 'pattern.pth'
    torch.save({'state_dict': ckpt['state_dict']}, src)
    out = tmp_path / 'filters.png'
    scale, ncols = 3, 8
    run_tool(
        _tool('vis_filters.py') +
        [str(src),
         str(out), '--scale',
         str(scale), '--ncols',
         str(ncols)])
    img = np.asarray(Image.open(out).convert('RGB'))
    rows = -(-num // ncols)
    assert img.shape == ((rows * (k + 1) + 1) * scale,
                         (ncols * (k + 1) + 1) * scale, 3)
    grid = img[::scale, ::scale]  # one pixel per weight
    for i in range(num):
        r0 = 1 + (i // ncols) * (k + 1)
        c0 = 1 + (i % ncols) * (k + 1)
        tile = grid[r0:r0 + k, c0:c0 + k]
        expected = np.zeros((k, k, 3), np.uint8)
        expected[i % k, (i // k) % k, i % 3] = 255
        np.testing.assert_array_equal(tile, expected, err_msg=str(i))
    assert (grid[0] == 255).all()  # the padding row is white


def test_filter_grid_rejects_non_image_filters():
    with pytest.raises(ValueError, match='Expected'):
        filter_grid(torch.zeros(4, 5, 3, 3))


def test_attention_maps_of_the_four_rotations(zoo_runs, tmp_path):
    out = tmp_path / 'attention.png'
    proc = run_tool(
        _tool('vis_attention.py') + [
            zoo_runs['config'], zoo_runs['checkpoint'],
            osp.join(zoo_runs['data'], 'val'),
            str(out), '--size', '32', '--max-images', '2', '--stage', '0',
            '--cfg-options', 'model.backbone.out_indices=[1,3]'
        ])
    assert 'maps (4, 4)' in proc.stdout  # layer2 of ResNet-18 at 32 px
    with Image.open(out) as img:
        assert img.size == (1600, 400)  # 2 x 4 x (image, map), 200 px each


def test_rotation_confusion_on_a_folder(zoo_runs, tmp_path):
    out, js = tmp_path / 'confusion.png', tmp_path / 'confusion.json'
    folder = osp.join(zoo_runs['data'], 'val')
    run_tool(
        _tool('rotation_confusion.py') + [
            zoo_runs['config'], zoo_runs['checkpoint'], folder,
            str(out), '--size', '32', '--batch-size', '7', '--json',
            str(js)
        ])
    res = json.loads(js.read_text())
    mat = np.array(res['confusion'])
    assert mat.shape == (4, 4)
    assert (mat.sum(axis=1) == res['num_images']).all()
    assert res['accuracy'] == pytest.approx(100 * np.trace(mat) / mat.sum())
    assert res['per_angle']['90'] == pytest.approx(100 * mat[1, 1] /
                                                   mat[1].sum())
    with Image.open(out) as img:
        assert img.size == (450, 400)


def test_training_curves(zoo_runs, tmp_path):
    out = tmp_path / 'curves.png'
    run_tool(
        _tool('plot_curves.py') + [
            str(zoo_runs['pretrain']),
            str(out), '--keys', 'loss', 'rotation/accuracy'
        ])
    with Image.open(out) as img:
        assert img.size == (800, 320)
    # a key that was never logged: one clear line (run in-process)
    tool = osp.join(REPO, 'tools', 'analysis', 'plot_curves.py')
    argv = [tool, str(zoo_runs['pretrain']), str(out), '--keys', 'nope']
    with mock.patch.object(sys, 'argv', argv):
        with pytest.raises(ValueError, match="keys \\['nope'\\] were not"):
            runpy.run_path(tool, run_name='__main__')


def test_training_curves_draw_online_probe_stages_in_one_panel(
        zoo_runs, tmp_path):
    from mmselfsup_rot.visualization.curves import curve_panels, read_curves
    stages = [f'online-probe/stage{i}_top1' for i in range(1, 5)]
    assert set(stages) <= set(read_curves(str(zoo_runs['pretrain'])))
    out = tmp_path / 'curves.png'
    run_tool(
        _tool('plot_curves.py') +
        [str(zoo_runs['pretrain']),
         str(out), '--keys', 'loss'] + stages)
    with Image.open(out) as img:
        assert img.size == (800, 320)  # loss | the four stages
    assert curve_panels(['loss', 'multi-head/stem_top1'] + stages +
                        ['multi-head/stage1_top1', 'rotation/accuracy']) == {
                            'loss': ['loss'],
                            'multi-head top1':
                            ['multi-head/stem_top1', 'multi-head/stage1_top1'],
                            'online-probe top1': stages,
                            'rotation/accuracy': ['rotation/accuracy'],
                        }
