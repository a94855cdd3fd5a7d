# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The project's own command lines on the GPU, on generated miniatures:
``tools/train.py`` (200 iterations of the main config with AMP),
``tools/test.py`` on its checkpoint, and 20 iterations of the VOC C4
Faster R-CNN and VOC12aug FCN transfers through
``tools/benchmarks/dist_train_transfer.sh``."""
import ast
import math
import os.path as osp
import re
import statistics
import sys
from typing import List, Optional

from mmselfsup_rot.utils.launch import free_port
from mmselfsup_rot.utils.logs import read_scalars
from mmselfsup_rot.utils.mmcv_ops import has_compiled_ops
from .context import MAIN_CFG, Outcome, SkipCheck

DET_CFG = osp.join('benchmarks', 'mmdetection', 'voc0712',
                   'faster-rcnn_r50-c4_8xb2-ms-24k_voc0712.py')
SEG_CFG = osp.join('benchmarks', 'mmsegmentation', 'voc12aug',
                   'fcn_r50-d8_4xb4-20k_voc12aug-512x512.py')
LAUNCHER = osp.join('tools', 'benchmarks', 'dist_train_transfer.sh')
NO_CUDA = 'No CUDA device'  # what the project's tools say on the CPU


def logged_records(work_dir: str) -> List[dict]:
    """The newest run's training records (``read_scalars``), or none when
    the run failed before writing its first log."""
    try:
        return read_scalars(work_dir)
    except FileNotFoundError:
        return []


def loss_curve(records: List[dict]) -> dict:
    """Losses by iteration and whether the last quarter's mean is below
    the first quarter's."""
    points = [(r['step'], r['loss']) for r in records if 'loss' in r]
    losses = [v for _, v in points]
    quarter = max(len(losses) // 4, 1)
    first = statistics.mean(losses[:quarter]) if losses else None
    last = statistics.mean(losses[-quarter:]) if losses else None
    return dict(
        iters=[i for i, _ in points],
        losses=losses,
        finite=all(math.isfinite(v) for v in losses),
        first_quarter_mean=first,
        last_quarter_mean=last,
        falling=bool(losses) and last < first)


def _median(records: List[dict], key: str) -> Optional[float]:
    values = [r[key] for r in records if key in r]
    return statistics.median(values) if values else None


def _common_failures(ctx, proc, tool: str) -> List[str]:
    failures = []
    if proc.returncode != 0:
        failures.append(f'{tool} exited with {proc.returncode}: '
                        f'{proc.last_error()} (log: {proc.log})')
    if NO_CUDA in proc.output and not ctx.scale.on_cpu:
        failures.append(f'{tool} ran on the CPU ("{NO_CUDA}" in its log)')
    return failures


def check_train(ctx) -> Outcome:
    """The ``train`` section: ``tools/train.py`` with ``--amp``."""
    scale = ctx.scale
    root = ctx.imagenet()
    work = ctx.work('run')
    iters = scale.train_iters()
    proc = ctx.run(
        [
            sys.executable,
            ctx.path('tools', 'train.py'),
            ctx.path(MAIN_CFG),
            '--amp',
            '--auto-scale-lr',
            '--work-dir',
            work,
            '--cfg-options',
            f'train_dataloader.dataset.data_root={root}',
            f'train_cfg.max_epochs={scale.train_epochs}',
            'default_hooks.logger.interval=10',
            # only the last epoch's checkpoint is read (by the test section)
            f'default_hooks.checkpoint.interval={scale.train_epochs}',
            'randomness.seed=0',
            *scale.train_options
        ],
        'train')
    failures = _common_failures(ctx, proc, 'tools/train.py')
    records = logged_records(work)
    curve = loss_curve(records)
    done = max(curve['iters'], default=0)
    ckpt = osp.join(work, f'epoch_{scale.train_epochs}.pth')
    if done != iters:
        failures.append(f'logged {done} of {iters} iterations')
    if not curve['finite']:
        failures.append('a logged loss is not finite')
    if curve['losses'] and not curve['falling'] and not scale.on_cpu:
        failures.append(
            f"loss did not fall: {curve['first_quarter_mean']:.4f} in "
            f"the first quarter, {curve['last_quarter_mean']:.4f} in the "
            'last')
    if osp.isfile(ckpt):
        ctx.shared['checkpoint'] = ckpt
    else:
        failures.append(f'no checkpoint {osp.basename(ckpt)} was written')
    step_s = _median(records, 'time')
    figures = dict(
        config=MAIN_CFG,
        options='--amp --auto-scale-lr',
        iterations=done,
        batch_size=scale.batch_size,
        loss=curve,
        median_iter_s=step_s,
        median_data_s=_median(records, 'data_time'),
        source_img_s=scale.batch_size / step_s if step_s else None,
        max_memory_mib=max((r['memory'] for r in records if 'memory' in r),
                           default=None),
        checkpoint=osp.basename(ckpt) if osp.isfile(ckpt) else None,
        checkpoint_mib=osp.getsize(ckpt) / 2**20 if osp.isfile(ckpt) else None,
        wall_s=proc.wall_s)
    summary = f'{done}/{iters} iterations'
    if curve['losses']:
        summary += (f", loss {curve['first_quarter_mean']:.3f} -> "
                    f"{curve['last_quarter_mean']:.3f} (quarter means)")
    if step_s:
        summary += f', {step_s * 1000:.0f} ms/iter'
    if figures['checkpoint']:
        summary += f", {figures['checkpoint']} written"
    return Outcome(summary=summary, figures=figures, failures=failures)


def parse_metrics(output: str) -> Optional[dict]:
    """The metrics dict ``tools/test.py`` prints last."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith('{') and line.endswith('}'):
            try:
                return ast.literal_eval(line)
            except (ValueError, SyntaxError):
                continue
    return None


def check_test(ctx) -> Outcome:
    """The ``test`` section: ``tools/test.py`` on the trained
    checkpoint (rotation accuracy on the miniature's val split)."""
    ckpt = ctx.shared.get('checkpoint')
    if ckpt is None:
        raise SkipCheck('no checkpoint: the train section did not write one')
    root = ctx.imagenet()
    proc = ctx.run([
        sys.executable,
        ctx.path('tools', 'test.py'),
        ctx.path(MAIN_CFG), ckpt, '--work-dir',
        ctx.work('run'), '--cfg-options',
        f'test_dataloader.dataset.data_root={root}', *ctx.scale.test_options
    ], 'test')
    failures = _common_failures(ctx, proc, 'tools/test.py')
    metrics = parse_metrics(proc.output) or {}
    accuracy = metrics.get('rotation/accuracy')
    if accuracy is None:
        failures.append('tools/test.py printed no rotation/accuracy')
    images = ctx.scale.imagenet['num_classes'] * ctx.scale.imagenet[
        'val_per_class']
    return Outcome(
        summary=(f'rotation accuracy {accuracy:.1f}% on {images} val '
                 'images x 4 rotations'
                 if accuracy is not None else 'no metrics'),
        figures=dict(metrics=metrics, val_images=images, wall_s=proc.wall_s),
        failures=failures)


def _transfer(ctx, area: str, config: str, options: List[str],
              result_key: str) -> Outcome:
    """Run the transfer launcher on one GPU and read its log."""
    ckpt = ctx.shared.get('checkpoint', 'none')
    iters = ctx.scale.transfer_iters
    work = ctx.work('run')
    # the metrics come from the validation after the last step: no
    # checkpoint of the fine-tuned model (a few hundred MB) is written
    options = [
        f'train_cfg.max_iters={iters}', 'default_hooks.logger.interval=5',
        'default_hooks.checkpoint.save_last=False', 'randomness.seed=0'
    ] + options
    proc = ctx.run(
        [
            'bash',
            ctx.path(LAUNCHER),
            ctx.path(config), ckpt, '1', '--work-dir', work, '--cfg-options'
        ] + options,
        area,
        env=ctx.env(PORT=str(free_port()), WORK_DIR=work))
    out = proc.output
    failures = _common_failures(ctx, proc, osp.basename(LAUNCHER))
    losses = [float(v) for v in re.findall(r' loss: ([-\d.e+naif]+)', out)]
    memory = [int(v) for v in re.findall(r' memory: (\d+)', out)]
    times = [float(v) for v in re.findall(r' time: ([\d.]+)', out)]
    finished = re.search(rf'Iter\(train\) \[ *{iters}/{iters}\]', out)
    result = re.search(r'Transfer result of [^:]+: (.*)', out)
    if not finished:
        failures.append(f'the log shows no iteration {iters}')
    if not losses or not all(math.isfinite(v) for v in losses):
        failures.append(f'losses not logged or not finite: {losses}')
    if result is None or result_key not in result.group(1):
        failures.append(f'no transfer result with {result_key}')
    if ckpt != 'none' and 'Pretrained weights verified' not in out:
        failures.append('the pretrained weights were not verified')
    figures = dict(
        config=config,
        pretrained=osp.basename(ckpt),
        iterations=iters,
        losses=losses,
        median_iter_s=statistics.median(times) if times else None,
        max_memory_mib=max(memory, default=None),
        result=result.group(1).strip() if result else None,
        wall_s=proc.wall_s)
    origin = ('from the train section\'s checkpoint'
              if ckpt != 'none' else 'from random init (no checkpoint)')
    summary = (f'{iters} iterations {origin}, losses '
               f"{' '.join(f'{v:.3f}' for v in losses)}; "
               f"{figures['result'] or 'no result'}")
    return Outcome(summary=summary, figures=figures, failures=failures)


def _require_compiled_ops(user: str) -> None:
    """On the CPU rehearsal: skip without mmcv's compiled ops (a lite
    mmcv); on the GPU the ops section and the CUDA probe decide."""
    if not has_compiled_ops():
        raise SkipCheck(f'{user} needs mmcv compiled ops; this mmcv has '
                        'none (lite)')


def data_roots(root: str) -> List[str]:
    """``--cfg-options`` pointing both training sets of a transfer config
    (a ``ConcatDataset`` of two) and its val/test sets at ``root``."""
    return [
        f'train_dataloader.dataset.datasets.{i}.data_root={root}'
        for i in range(2)
    ] + [
        f'{loader}.dataset.data_root={root}'
        for loader in ('val_dataloader', 'test_dataloader')
    ]


def check_transfer_det(ctx) -> Outcome:
    """The ``transfer_det`` section: VOC07+12 Faster R-CNN R50-C4."""
    if ctx.scale.on_cpu:
        _require_compiled_ops('Faster R-CNN')
    elif not ctx.shared.get('mmcv_cuda_ops', False):
        raise SkipCheck('Faster R-CNN needs mmcv CUDA ops (RoIAlign, nms): '
                        f"{ctx.shared.get('mmcv_ops_detail')}")
    from mmselfsup_rot.datasets.miniature import make_voc
    voc = make_voc(
        ctx.work('voc'),
        years=('2007', '2012'),
        images_per_split=4,
        size=ctx.scale.voc_size,
        with_segmentation=False)
    return _transfer(ctx, 'mmdetection', DET_CFG,
                     data_roots(f'{voc}/') + list(ctx.scale.det_options),
                     'pascal_voc/mAP')


def check_transfer_seg(ctx) -> Outcome:
    """The ``transfer_seg`` section: VOC12aug FCN R50-D8."""
    if ctx.scale.on_cpu:
        _require_compiled_ops('mmseg')
    from mmselfsup_rot.datasets.miniature import make_voc
    devkit = make_voc(
        ctx.work('voc'),
        years=('2012', ),
        images_per_split=4,
        size=ctx.scale.voc_size,
        num_aug=4)
    return _transfer(
        ctx, 'mmsegmentation', SEG_CFG,
        data_roots(osp.join(devkit, 'VOC2012')) + list(ctx.scale.seg_options),
        'mIoU')
