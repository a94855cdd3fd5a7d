# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""tools/speed: the speed benchmarks run and report what docs/speed.md
reads. No timings are asserted (machines differ); the scaling check asserts
that 2 processes reproduce the 1-process loss curve."""
import json
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmselfsup_rot.utils.provenance import git_commit
from tests.conftest import REPO, run_tool

pytestmark = pytest.mark.slow

SPEED = osp.join(REPO, 'tools', 'speed')


def test_baseline_rotates_clockwise_like_mmselfsup_1x():
    from mmselfsup_rot.speed.naive_rotation import InterpolatedRotationBaseline
    img = np.random.default_rng(0).integers(0, 256, (9, 9, 3), np.uint8)
    out = InterpolatedRotationBaseline()(dict(img=img))
    assert len(out['img']) == 4
    assert out['rot_label'].tolist() == [0, 1, 2, 3]
    assert out['img'][0] is img
    for k, copy in enumerate(out['img'][1:], start=1):
        # warpAffine about the exact centre: clockwise, equal up to rounding
        diff = copy.astype(int) - np.rot90(img, -k).astype(int)
        assert np.abs(diff).max() <= 1
        assert np.array_equal(copy, mmcv.imrotate(img, 90 * k))


def test_rotation_speed_writes_table_and_json(tmp_path):
    out = tmp_path / 'speed.json'
    proc = run_tool([
        'python',
        osp.join(SPEED, 'rotation_speed.py'), '--backbone', 'resnet18',
        '--size', '32', '--batch-size', '4', '--dataset-size', '8',
        '--workers', '0', '--steps', '2', '--warmup', '0', '--loader-rounds',
        '1', '--decode-rounds', '1', '--with-transform-step', '--device-flip',
        '--online-probe', '--out',
        str(out)
    ],
                    env=dict(OMP_NUM_THREADS='1'))
    assert 'img/s/worker' in proc.stdout and 'full_on_device' in proc.stdout
    report = json.loads(out.read_text())
    assert set(report) == {
        'commit', 'dirty', 'command', 'created', 'machine', 'settings',
        'decode', 'runs'
    }
    # where the figures came from
    assert report['commit'] == git_commit(REPO)
    assert report['command'].startswith(
        'python tools/speed/rotation_speed.py --backbone resnet18 --size 32')
    assert report['command'].endswith(f'--out {out}')
    assert report['machine']['device'] == 'cpu'
    assert report['machine']['cpu_cores'] == os.cpu_count()
    assert report['machine']['omp_num_threads'] == '1'
    assert report['decode']['cv2']['available']
    assert report['decode']['cv2']['mean_abs_diff_vs_cv2'] == 0
    run, = report['runs']
    assert (run['backbone'], run['size']) == ('resnet18', 32)
    loader = run['loader']
    assert set(loader) == {
        'naive', 'transform', 'on_device', 'on_device_flip', 'on_device_seeded'
    }
    # per-sample seeding changes the draws, not what the loader ships
    assert (loader['on_device_seeded']['bytes_per_source_image'] ==
            loader['on_device']['bytes_per_source_image'])
    for res in loader.values():
        assert res['images_per_s_per_worker'] > 0
        assert res['main_peak_rss_mb'] > 0
    # the loader ships one copy per image on the device path, four otherwise
    assert loader['naive']['bytes_per_source_image'] == 4 * 3 * 32 * 32
    assert loader['transform']['bytes_per_source_image'] == 4 * 3 * 32 * 32
    assert loader['on_device']['bytes_per_source_image'] == 3 * 32 * 32
    assert loader['on_device_flip']['bytes_per_source_image'] == 3 * 32 * 32
    train = run['train']
    assert train['rotated_images_per_step'] == 16
    assert set(train['step_s']) == {
        'bare', 'full_on_device', 'full_transform', 'preprocess_only'
    }
    assert 0 < train['preprocess_share_of_bare'] < 1
    assert all(len(v) == 2 for v in train['all_step_s'].values())
    assert train['ratio_full_vs_bare'] > 0
    assert train['paired_ratio_full_vs_bare'] > 0
    assert train['peak_device_mb'] is None
    # the online-probe row: the same step with probes on all four stages
    probe = run['online_probe']
    assert probe['probe']['stages'] == [0, 1, 2, 3]
    assert set(probe['step_s']) == {'full_on_device', 'full_probe'}
    assert probe['ratio_probe_vs_full'] > 0
    assert probe['paired_ratio_probe_vs_full'] > 0
    for variant in ('full_on_device', 'full_probe'):
        assert probe['memory'][variant]['peak_rss_mb'] > 0
    assert probe['peak_rss_ratio_probe_vs_full'] > 0
    assert 'online probes (resnet18, stages [0, 1, 2, 3])' in proc.stdout


def test_two_processes_reproduce_one_process_loss_curve(tmp_path):
    out = tmp_path / 'scaling.json'
    run_tool([
        'python',
        osp.join(SPEED, 'dist_scaling.py'), '--procs', '1', '2', '--norm',
        'GN', '--total-batch', '4', '--num-images', '8', '--epochs', '1',
        '--size', '24', '--work-dir',
        str(tmp_path / 'work'), '--out',
        str(out)
    ],
             env=dict(OMP_NUM_THREADS='1'))
    report = json.loads(out.read_text())
    assert report['command'].startswith(
        'python tools/speed/dist_scaling.py --procs 1 2 --norm GN')
    assert report['commit'] == git_commit(REPO)
    assert report['machine']['cpu_cores'] == os.cpu_count()
    one, two = report['runs']
    assert (one['procs'], two['procs']) == (1, 2)
    assert (one['images_per_proc'], two['images_per_proc']) == (4, 2)
    assert len(one['global_loss']) == len(two['global_loss']) == 2
    # rank 0 alone sees half the batch: its loss is not the global one
    assert two['rank0_loss'] != two['global_loss']
    assert report['max_abs_loss_diff']['2p_vs_1p'] < 1e-4
    np.testing.assert_allclose(
        two['global_loss'], one['global_loss'], atol=1e-4)


def test_fast_config_builds_channels_last_model():
    cfg = Config.fromfile(
        osp.join(
            REPO, 'configs',
            'rotation-pred_resnet50_8xb16-amp-bf16-channels-last-steplr-'
            '70e_in1k.py'))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.train_dataloader.pin_memory
    # the flip moved from the loader to the device
    assert [t['type'] for t in cfg.train_dataloader.dataset.pipeline] == [
        'RobustLoadImageFromFile', 'RandomResizedCrop', 'PackInputs'
    ]
    assert cfg.model.data_preprocessor.flip_prob == 0.5
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    from mmpretrain.utils import register_all_modules
    register_all_modules()
    import mmselfsup_rot  # noqa: F401
    cfg.model.backbone.norm_cfg = dict(type='BN')
    pre = MODELS.build(cfg.model).data_preprocessor
    data = dict(
        inputs=torch.zeros(2, 3, 16, 16, dtype=torch.uint8),
        data_samples=[DataSample(), DataSample()])
    views = pre(data, training=True)['inputs']
    assert all(
        v.is_contiguous(memory_format=torch.channels_last) for v in views)


def test_svm_speed_runs_both_solvers_side_by_side(tmp_path):
    out = tmp_path / 'svm.json'
    proc = run_tool([
        'python',
        osp.join(SPEED, 'svm_speed.py'), '--num-train', '160', '--num-test',
        '160', '--classes', '3', '--k-values', '1', '2', '--num-samples', '2',
        '--liblinear-classes', '2', '--out',
        str(out)
    ],
                    env=dict(OMP_NUM_THREADS='1'))
    assert '== full protocol ==' in proc.stdout
    report = json.loads(out.read_text())
    assert report['commit'] == git_commit(REPO)
    assert report['command'].startswith('python tools/speed/svm_speed.py')
    assert report['features']['dims'] == 64 * 12 * 12
    full, low = report['full_protocol'], report['low_shot']
    # liblinear ran 2 of the 3 classes: its time is extrapolated per class
    assert full['liblinear']['classes_run'] == 2
    assert len(full['batched']['ap']) == 3 and len(
        full['liblinear']['ap']) == 2
    assert full['batched']['fits'] == 3 * (3 * 3 + 1)
    assert full['batched']['unconverged_count'] == 0
    assert full['comparison']['classes'] == 2
    assert full['comparison']['speedup'] > 0
    assert low['liblinear']['samples_run'] == 2
    assert [r['k'] for r in low['batched']['rows']] == [1, 2]
    assert low['batched']['fits'] == low['liblinear']['fits'] == 2 * 2 * 3 * 3
    assert 0 < report['batched_peak_rss_mb'] < 4096
