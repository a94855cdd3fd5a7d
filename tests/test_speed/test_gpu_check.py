# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""tools/gpu_check.py without a GPU: its refusal (one line, exit 2,
before anything heavy is imported), the report's schema, validation and
table on a hand-written report, and the CPU half of the ops comparison.
The measurements themselves need a CUDA GPU (docs/speed.md)."""
import json
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import (MAIN_CFG, REPO, run_tool, tiny_train_options,
                            tool_env)
from tools.speed.gpu_check.report import (ReportError, format_table,
                                          load_report, make_target,
                                          validate_report, write_report)

TOOL = osp.join(REPO, 'tools', 'gpu_check.py')


def _no_cuda_env():
    # no GPU, even on a GPU machine
    return tool_env(dict(CUDA_VISIBLE_DEVICES=''))


def test_refuses_without_cuda_in_one_line(tmp_path):
    out = tmp_path / 'out'
    proc = subprocess.run([sys.executable, TOOL, '--out',
                           str(out)],
                          env=_no_cuda_env(),
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ''
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith('gpu_check: needs a CUDA GPU (')
    assert 'torch.cuda.is_available() is False' in lines[0] or \
        'a build without CUDA' in lines[0]
    assert f'torch {torch.__version__}' in lines[0]
    assert not out.exists()  # nothing was started


def test_refusal_comes_before_heavy_imports():
    code = ('import runpy, sys\n'
            f'sys.argv = [{TOOL!r}]\n'
            'try:\n'
            f'    runpy.run_path({TOOL!r}, run_name="__main__")\n'
            'except SystemExit as exc:\n'
            '    heavy = [m for m in ("mmcv", "mmengine", "mmpretrain",\n'
            '             "mmselfsup_rot") if m in sys.modules]\n'
            '    print(exc.code, heavy)\n')
    proc = subprocess.run([sys.executable, '-c', code],
                          env=_no_cuda_env(),
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.stdout.strip() == '2 []', proc.stdout + proc.stderr


def _fake_report():
    """A report as the check writes it, values typed in by hand: a
    passing section with one target met and one missed, a failed and a
    skipped section, and the run-wide wall-time target."""
    return {
        'schema':
        'mmselfsup_rot.gpu_check/1',
        'created':
        '2026-12-01T12:00:00Z',
        'command':
        'tools/gpu_check.py --out work_dirs/gpu_check',
        'commit':
        '0123456789abcdef0123456789abcdef01234567',
        'machine': {
            'gpu': 'NVIDIA H200',
            'capability': 'sm_90',
            'memory_gib': 139.8,
            'cpu_cores': 16
        },
        'versions': {
            'torch': '2.14.1+cu130',
            'cuda': '13.0',
            'mmcv': '2.1.0',
            'mmdet': None
        },
        'budget_s':
        480.0,
        'wall_s':
        301.2,
        'checks': [{
            'name':
            'throughput',
            'title':
            'RotNet R50 224 px',
            'status':
            'pass',
            'summary':
            'rotated img/s, full step / bare: fp32 1000/1020',
            'reason':
            None,
            'wall_s':
            41.2,
            'budget_s':
            80.0,
            'figures': {
                'settings': {
                    'fp32': {
                        'full_img_s': 1000.0
                    }
                }
            },
            'table': {
                'columns': ['setting', 'full img/s', 'full/bare'],
                'rows': [['fp32', 1000.0, 1.02],
                         ['AMP bf16 + channels_last', 1900.0, 1.031]]
            },
            'targets': [{
                'name': 'full_vs_bare_bf16_cl',
                'title': 'step time full/bare, AMP bf16 + channels_last',
                'value': 1.031,
                'op': '<=',
                'threshold': 1.05,
                'met': True
            }, {
                'name': 'bf16_cl_vs_fp32',
                'title': 'full-step img/s, AMP bf16 + channels_last / fp32',
                'value': 1.9,
                'op': '>=',
                'threshold': 2.0,
                'met': False
            }]
        }, {
            'name':
            'train',
            'title':
            'tools/train.py, main config, AMP, 200 iterations',
            'status':
            'fail',
            'summary':
            '200/200 iterations',
            'reason':
            'loss did not fall: 1.3863 in the first quarter, '
            '1.3870 in the last',
            'wall_s':
            35.0,
            'budget_s':
            90.0,
            'figures': {},
            'targets': []
        }, {
            'name': 'ops',
            'title': 'mmcv CUDA ops vs torchvision and the CPU',
            'status': 'skip',
            'summary': 'skipped',
            'reason': 'mmcv 2.1.0 was compiled without CUDA',
            'wall_s': 0.1,
            'budget_s': 20.0,
            'figures': {},
            'targets': []
        }],
        'targets': [{
            'name': 'wall_time',
            'title': 'whole check, wall-clock seconds',
            'value': 301.2,
            'op': '<=',
            'threshold': 480.0,
            'met': True
        }],
        'summary': {
            'pass': 1,
            'fail': 1,
            'skip': 1,
            'targets_met': 2,
            'targets_unmet': ['bf16_cl_vs_fp32'],
            'accepted': False
        }
    }


def test_report_table_marks_failures_and_unmet_targets():
    report = _fake_report()
    validate_report(report)
    table = format_table(report)
    lines = table.splitlines()
    assert lines[0] == 'GPU acceptance check (mmselfsup_rot.gpu_check/1)'
    assert lines[1] == 'GPU: NVIDIA H200 (sm_90, 139.8 GiB)'
    # absent packages are left out of the stack line
    assert lines[2] == 'stack: torch 2.14.1+cu130, cuda 13.0, mmcv 2.1.0'
    assert '301 s of a 480 s budget' in lines[3]
    cols = [re.split(r'\s{2,}', ln.strip()) for ln in lines]
    row = {c[0]: c for c in cols}
    assert row['throughput'][:4] == ['throughput', 'PASS', '41.2', '80']
    assert row['train'][:4] == ['train', 'FAIL', '35', '90']
    assert row['train'][4] == ('200/200 iterations -- loss did not fall: '
                               '1.3863 in the first quarter, 1.3870 in the '
                               'last')
    assert row['ops'][1] == 'SKIP'
    assert row['ops'][4] == 'skipped -- mmcv 2.1.0 was compiled without CUDA'
    # the section's own table
    assert row['AMP bf16 + channels_last'] == [
        'AMP bf16 + channels_last', '1900', '1.031'
    ]
    assert row['step time full/bare, AMP bf16 + channels_last'][1:] == [
        '1.031', '<= 1.05', 'yes'
    ]
    assert row['full-step img/s, AMP bf16 + channels_last / fp32'][1:] == [
        '1.9', '>= 2', 'NO <-- unmet'
    ]
    assert row['whole check, wall-clock seconds'][1:] == [
        '301.2', '<= 480', 'yes'
    ]
    assert lines[-1] == (
        'RESULT: NOT accepted (1 pass, 1 fail, 1 skip; 2/3 targets met): '
        'train failed; ops skipped; bf16_cl_vs_fp32 unmet')


def test_report_round_trips_through_json(tmp_path):
    report = _fake_report()
    path = tmp_path / 'nvidia_h200' / 'gpu_check.json'
    write_report(report, str(path))
    assert json.loads(path.read_text()) == report
    assert load_report(str(path)) == report


def test_accepted_report():
    report = _fake_report()
    report['checks'] = report['checks'][:1]
    target = report['checks'][0]['targets'][1]
    target.update(value=2.4, met=True)
    report['summary'] = {
        'pass': 1,
        'fail': 0,
        'skip': 0,
        'targets_met': 3,
        'targets_unmet': [],
        'accepted': True
    }
    validate_report(report)
    assert format_table(report).splitlines()[-1] == (
        'RESULT: accepted (1 pass, 0 fail, 0 skip; 3/3 targets met)')


def test_unmeasured_target_is_not_met():
    target = make_target('x', 'a ratio', None, '>=', 1.0)
    assert target['met'] is None
    report = _fake_report()
    report['targets'].append(target)
    report['summary']['targets_unmet'].append('x')
    validate_report(report)
    line, = [
        ln for ln in format_table(report).splitlines()
        if ln.startswith('a ratio')
    ]
    assert re.split(r'\s{2,}',
                    line) == ['a ratio', '-', '>= 1', 'NOT MEASURED']


@pytest.mark.parametrize('edit, message', [
    (lambda r: r['checks'][0]['targets'][1].update(met=True),
     'checks[0].targets[1]: met is True but 1.9 >= 2.0 gives False'),
    (lambda r: r['checks'][1].update(status='error'),
     "checks[1]: status must be one of ('pass', 'fail', 'skip')"),
    (lambda r: r['checks'][1].update(reason=None),
     'checks[1]: a fail needs a reason'),
    (lambda r: r['summary'].update(accepted=True), 'report: summary'),
    (lambda r: r.pop('versions'), 'report: missing key(s) versions'),
    (lambda r: r['checks'][0]['table']['rows'].append(['fp16', 1.0]),
     'checks[0].table.rows[2]: expected a list of 3 cells'),
    (lambda r: r['targets'][0].update(value=float('nan'), met=False),
     'targets[0]: value must be a finite number or null'),
    (lambda r: r.update(schema='other/1'), "report: schema 'other/1'"),
])
def test_invalid_reports_are_refused_in_one_line(edit, message):
    report = _fake_report()
    edit(report)
    with pytest.raises(ReportError) as err:
        validate_report(report)
    assert str(err.value).startswith(message)
    assert '\n' not in str(err.value)


def test_results_folder_names():
    from tools.speed.gpu_check.check import results_folder
    assert results_folder('NVIDIA H200') == 'nvidia_h200'
    assert results_folder('NVIDIA A100-SXM4-80GB') == 'nvidia_a100_sxm4_80gb'


def test_ops_comparison_on_the_cpu():
    """The CPU half of the ``ops`` section: mmcv's CPU kernels against
    torchvision's, on the section's own random boxes."""
    from tools.speed.gpu_check import ops
    gen = torch.Generator().manual_seed(0)
    nms = ops.compare_nms(gen, devices=('cpu', ))
    assert nms['equal'] == {'mmcv_cpu': True}
    assert 0 < nms['kept'] < nms['boxes'] <= 1000
    batched = ops.compare_batched_nms(gen, devices=('cpu', ))
    assert batched['equal'] == {'mmcv_cpu': True}
    assert batched['kept'] > nms['kept']  # classes do not suppress others
    for sampling_ratio, aligned in ((0, True), (2, False)):
        roi = ops.compare_roi_align(
            gen, sampling_ratio, aligned, devices=('cpu', ))
        assert roi['max_abs_diff_out']['mmcv_cpu'] <= ops.ATOL_OUT
        assert roi['max_abs_diff_grad']['mmcv_cpu'] <= ops.ATOL_GRAD


def test_near_threshold_pairs_are_dropped():
    from tools.speed.gpu_check.ops import away_from_threshold
    boxes = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 5.],
                          [0., 0., 10., 4.], [50., 50., 60., 60.]])
    # IoU(0, 1) = 0.5 exactly, IoU(0, 2) = 0.4, IoU(1, 2) = 0.8
    keep = away_from_threshold(boxes, 0.5, 1e-3)
    assert keep.tolist() == [False, False, True, True]


@pytest.mark.slow
def test_train_and_test_outputs_are_read(mini_imagenet, tmp_path):
    """The ``train`` and ``test`` sections read what tools/train.py and
    tools/test.py write: checked on a real tiny CPU run of the main
    config (8 images, batch 4, 2 epochs = 4 iterations)."""
    from mmselfsup_rot.utils.logs import read_scalars
    from tools.speed.gpu_check.training import loss_curve, parse_metrics
    work = tmp_path / 'train'
    run_tool([
        'python',
        osp.join(REPO, 'tools', 'train.py'), MAIN_CFG, '--work-dir',
        str(work), '--cfg-options'
    ] + tiny_train_options(mini_imagenet) + ['train_cfg.max_epochs=2'])
    records = read_scalars(str(work))
    curve = loss_curve(records)
    assert curve['iters'] == [1, 2, 3, 4]
    assert curve['finite'] and all(v > 0 for v in curve['losses'])
    assert curve['first_quarter_mean'] == curve['losses'][0]
    assert curve['last_quarter_mean'] == curve['losses'][-1]
    assert curve['falling'] == (curve['losses'][-1] < curve['losses'][0])
    assert all(r['time'] > 0 for r in records if 'loss' in r)
    proc = run_tool([
        'python',
        osp.join(REPO, 'tools', 'test.py'), MAIN_CFG,
        str(work / 'epoch_2.pth'), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options',
        f'test_dataloader.dataset.data_root={mini_imagenet}',
        'test_dataloader.num_workers=0',
        'test_dataloader.dataset.pipeline.1.scale=40',
        'test_dataloader.dataset.pipeline.2.crop_size=32'
    ])
    metrics = parse_metrics(proc.stdout)
    assert set(metrics) == {
        'rotation/accuracy', 'rotation/accuracy_0deg',
        'rotation/accuracy_90deg', 'rotation/accuracy_180deg',
        'rotation/accuracy_270deg'
    }


@pytest.mark.slow
def test_distributed_probe_reports_what_the_runner_built(
        mini_imagenet, tmp_path):
    """The ``nccl_syncbn`` probe under torchrun, on this CPU machine: the
    runner falls back to gloo and BN (as tools/train.py does without
    CUDA), the probe records exactly that and the judge names each
    departure from the GPU set-up."""
    from mmselfsup_rot.utils.launch import free_port
    from tools.speed.gpu_check.nccl_syncbn import judge
    out = tmp_path / 'facts.json'
    run_tool([
        'python', '-m', 'torch.distributed.run', '--nproc_per_node', '1',
        '--master_port',
        str(free_port()), '-m', 'tools.speed.gpu_check.nccl_syncbn', MAIN_CFG,
        '--data-root', mini_imagenet, '--work-dir',
        str(tmp_path / 'run'), '--iters', '2', '--batch-size', '4', '--out',
        str(out), '--cfg-options',
        'train_dataloader.dataset.pipeline.1.scale=32',
        'train_dataloader.num_workers=0'
    ],
             env=dict(OMP_NUM_THREADS='1'))
    facts = json.loads(out.read_text())
    assert facts['backend'] == 'gloo'
    assert facts['world_size'] == 1
    assert facts['wrapper'] == 'MMDistributedDataParallel'
    # ResNet-50: the stem, 16 bottlenecks x 3 and 4 downsamples
    assert facts['norm_layers'] == {'sync_bn': 0, 'other_bn': 53}
    assert facts['parameter_device'] == 'cpu'
    assert facts['all_reduce_ok'] is True
    assert facts['iterations'] == 2
    assert facts['nccl'] is None
    assert facts['loss']['iters'] == [1, 2] and facts['loss']['finite']
    assert judge(facts, 2) == [
        'process group backend is gloo, not nccl',
        'SyncBN not kept: 0 SyncBatchNorm and 53 other BN layers',
        'parameters on cpu'
    ]
    assert judge(facts, 3)[-1] == 'trained 2 of 3 iterations'


def test_mmcv_cuda_ops_reads_mmcv():
    from mmcv.ops import get_compiling_cuda_version

    from tools.speed.gpu_check.ops import mmcv_cuda_ops
    available, detail = mmcv_cuda_ops()
    version = get_compiling_cuda_version()
    assert available == (version != 'not available')
    assert detail == f'CUDA {version}' if available else \
        'compiled without CUDA' in detail


def _context(tmp_path):
    from tools.speed.gpu_check.context import Context
    return Context(REPO, str(tmp_path / 'out'), str(tmp_path / 'work'))


def test_sections_are_isolated_and_budgeted(tmp_path):
    """A section's error, skip or overrun becomes its record; a
    subprocess past the budget is killed with its children."""
    from tools.speed.gpu_check.check import Section, run_section
    from tools.speed.gpu_check.context import Outcome, SkipCheck
    ctx = _context(tmp_path)

    def broken(ctx):
        raise KeyError('no such figure')

    def skipped(ctx):
        raise SkipCheck('mmcv has no CUDA ops')

    def slow(ctx):
        ctx.run(['bash', '-c', 'sleep 30 & sleep 30; wait'], 'sleeper')
        return Outcome(summary='never')

    def echo(ctx):
        proc = ctx.run([sys.executable, '-c', 'print("hello")'], 'echo')
        return Outcome(
            summary=proc.output.splitlines()[-1],
            failures=[] if proc.returncode == 0 else ['echo failed'])

    rec = run_section(ctx, Section('broken', 'raises', 5, broken), 5)
    assert rec['status'] == 'fail'
    assert rec['reason'].startswith("KeyError: 'no such figure' (traceback: ")
    log = rec['reason'].split('(traceback: ')[1].rstrip(')')
    assert 'raise KeyError' in open(log).read()
    rec = run_section(ctx, Section('skipped', 'skips', 5, skipped), 5)
    assert (rec['status'], rec['reason']) == ('skip', 'mmcv has no CUDA ops')
    rec = run_section(ctx, Section('slow', 'overruns', 1, slow), 1)
    assert rec['status'] == 'fail' and rec['wall_s'] < 10
    assert rec['reason'].startswith('over its 1 s budget: sleeper was '
                                    'stopped after')
    rec = run_section(ctx, Section('echo', 'runs', 60, echo), 60)
    assert (rec['status'], rec['summary']) == ('pass', 'hello')
    with open(tmp_path / 'out' / 'logs' / 'echo-echo.log') as f:
        assert f.read().splitlines()[-1] == 'hello'
    # no budget left: not started
    rec = run_section(ctx, Section('echo', 'runs', 60, echo), 0)
    assert rec['status'] == 'fail'
    assert 'budget spent before echo' in rec['reason']


def test_a_stopped_check_leaves_the_sections_before(tmp_path):
    """SIGTERM (what ``timeout`` sends) while the second section of a CPU
    rehearsal runs tools/train.py: the report keeps the first section,
    records the second as stopped, the child run is killed and the exit
    names the report."""
    out = tmp_path / 'out'
    proc = subprocess.Popen([
        sys.executable, TOOL, '--cpu-rehearsal', '--only', 'configs', 'train',
        '--out',
        str(out)
    ],
                            env=_no_cuda_env(),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True)
    train_log = out / 'logs' / 'train-train.log'
    try:
        deadline = time.monotonic() + 240
        while not train_log.exists() and proc.poll() is None:
            assert time.monotonic() < deadline, 'train never started'
            time.sleep(0.2)
        # the report written before train: configs done, train pending
        report = load_report(str(out / 'gpu_check.json'))
        assert report['complete'] is False
        assert [(c['name'], c['status'])
                for c in report['checks']] == [('configs', 'pass'),
                                               ('train', 'skip')]
        assert report['checks'][1]['reason'] == (
            'did not finish: the check stopped while train ran')
        assert 'PARTIAL' in (out / 'gpu_check.txt').read_text()
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr
    assert stderr.splitlines()[-1] == (
        'gpu_check: stopped by signal 15; the sections before are in '
        f"{out / 'gpu_check.json'}")
    report = load_report(str(out / 'gpu_check.json'))
    assert report['complete'] is False
    configs, train = report['checks']
    assert configs['status'] == 'pass'
    assert configs['figures']['models'][
        'configs/' + osp.basename(MAIN_CFG)] == 'RotationPred'
    assert (train['status'], train['summary'],
            train['reason']) == ('fail', 'stopped',
                                 'did not finish: stopped by signal 15')
    assert report['summary']['accepted'] is False
    # tools/train.py (its own process group) was killed with the check
    size = train_log.stat().st_size
    time.sleep(3)
    assert train_log.stat().st_size == size
