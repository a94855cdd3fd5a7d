# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""RotNet ResNet-50 at 224 px, 16 images x 4 rotations per step, in three
precisions: the full ``RotationPred`` train step against the bare
ResNet-50 forward + backward + SGD step on the same rotated batch
(alternated, medians of synchronised wall-clock time; the engine is
:func:`mmselfsup_rot.speed.train_step.bench_train`), with the peak of
``torch.cuda.max_memory_allocated``."""
import gc

import torch

from mmselfsup_rot.speed.settings import SpeedSettings
from mmselfsup_rot.speed.train_step import bench_train
from .context import BATCH_SIZE, Outcome
from .report import make_target

SIZE = 224
#: name -> (title, autocast dtype or None, channels_last)
SETTINGS = {
    'fp32': ('fp32', None, False),
    'amp_fp16': ('AMP fp16', 'float16', False),
    'amp_bf16_cl': ('AMP bf16 + channels_last', 'bfloat16', True),
}
#: Targets: the full step within 5% of the bare backbone step at bf16 +
#: channels_last, which in turn gives at least 2x fp32's throughput.
MAX_FULL_VS_BARE = 1.05
MIN_BF16_CL_VS_FP32 = 2.0


def speed_settings(amp_dtype=None,
                   channels_last: bool = False,
                   steps: int = 30,
                   warmup: int = 5,
                   workers: int = 0) -> SpeedSettings:
    """The options of the speed engine (those of
    ``tools/speed/rotation_speed.py``) for a CUDA run of the recipe:
    16 source images per step, the flip on the device."""
    return SpeedSettings(
        batch_size=BATCH_SIZE,
        workers=workers,
        decode_backend='cv2',
        device='cuda',
        amp=amp_dtype is not None,
        amp_dtype=amp_dtype or 'bfloat16',
        channels_last=channels_last,
        device_flip=True,
        steps=steps,
        warmup=warmup,
        with_transform_step=False)


def tf32_flags() -> dict:
    """torch's TF32 switches (the fp32 row runs with torch's defaults)."""
    return dict(
        cudnn_allow_tf32=torch.backends.cudnn.allow_tf32,
        matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32,
        cudnn_benchmark=torch.backends.cudnn.benchmark)


def measure_setting(root: str, amp_dtype, channels_last: bool,
                    steps: int) -> dict:
    """One precision: images/s of both steps, their ratios, peak memory."""
    torch.manual_seed(0)
    res = bench_train('resnet50', SIZE, root,
                      speed_settings(amp_dtype, channels_last, steps),
                      torch.device('cuda'))
    rotated = res['rotated_images_per_step']
    step_s = res['step_s']
    return dict(
        full_img_s=rotated / step_s['full_on_device'],
        bare_img_s=rotated / step_s['bare'],
        full_source_img_s=BATCH_SIZE / step_s['full_on_device'],
        full_vs_bare=res['ratio_full_vs_bare'],
        paired_full_vs_bare=res['paired_ratio_full_vs_bare'],
        preprocess_share_of_bare=res['preprocess_share_of_bare'],
        peak_allocated_mib=res['peak_device_mb'],
        step_s=step_s,
        wall_s_per_step={
            k: v['wall']
            for k, v in res['all_step_s'].items()
        })


def check_throughput(ctx, steps: int = 30) -> Outcome:
    """The ``throughput`` section."""
    root = ctx.imagenet()
    figures = dict(
        backbone='resnet50',
        size=SIZE,
        source_images_per_step=BATCH_SIZE,
        rotated_images_per_step=4 * BATCH_SIZE,
        steps=steps,
        tf32=tf32_flags(),
        settings={})
    failures, rows = [], []
    for name, (title, dtype, channels_last) in SETTINGS.items():
        ctx.check_budget(f'the {title} setting')
        if dtype == 'bfloat16' and not torch.cuda.is_bf16_supported():
            failures.append(f'{title}: this GPU does not support bfloat16')
            continue
        try:
            res = measure_setting(root, dtype, channels_last, steps)
        except Exception as exc:  # the other settings still run
            first = (str(exc).strip().splitlines() or [''])[0]
            failures.append(f'{title}: {type(exc).__name__}: {first}')
            continue
        finally:
            gc.collect()
            torch.cuda.empty_cache()
        figures['settings'][name] = res
        rows.append([
            title, res['full_img_s'], res['bare_img_s'], res['full_vs_bare'],
            res['paired_full_vs_bare'], 100 * res['preprocess_share_of_bare'],
            res['peak_allocated_mib']
        ])
    results = figures['settings']
    fast, fp32 = results.get('amp_bf16_cl'), results.get('fp32')
    full_vs_bare = fast['full_vs_bare'] if fast else None
    speedup = fast['full_img_s'] / fp32['full_img_s'] \
        if fast and fp32 else None
    targets = [
        make_target('full_vs_bare_bf16_cl',
                    'step time full/bare, AMP bf16 + channels_last',
                    full_vs_bare, '<=', MAX_FULL_VS_BARE),
        make_target('bf16_cl_vs_fp32',
                    'full-step img/s, AMP bf16 + channels_last / fp32',
                    speedup, '>=', MIN_BF16_CL_VS_FP32),
    ]
    summary = 'rotated img/s, full step / bare: ' + ', '.join(
        f"{SETTINGS[k][0]} {v['full_img_s']:.0f}/{v['bare_img_s']:.0f}"
        for k, v in results.items())
    return Outcome(
        summary=summary,
        figures=figures,
        targets=targets,
        failures=failures,
        table=dict(
            columns=[
                'setting', 'full img/s', 'bare img/s', 'full/bare', 'paired',
                'preproc %', 'peak MiB'
            ],
            rows=rows))
