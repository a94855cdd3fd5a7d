# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""mmcv's compiled ops on CUDA tensors against torchvision's and against
the CPU kernels: ``nms``, ``batched_nms`` and ``RoIAlign`` (forward and
gradient) on random boxes and features, the reference being torchvision
on the CPU.

NMS keeps exactly the same boxes in the same order everywhere once no
pair of boxes has an IoU within ``margin`` of the threshold (such pairs
are dropped up front: float32 rounding may legitimately decide them
either way). RoIAlign agrees to float32 rounding.
"""
from typing import Callable, List, Sequence, Tuple

import torch
import torchvision

from .context import Outcome, SkipCheck

#: Where mmcv and torchvision run; the reference is torchvision on the CPU.
DEVICES = ('cuda', 'cpu')
IOU_THR = 0.5
#: NMS agreement is exact only away from ties at the threshold.
MARGIN = 1e-3
#: RoIAlign: max |difference| allowed in the output / the input gradient.
ATOL_OUT = 1e-5
ATOL_GRAD = 1e-4


def mmcv_cuda_ops() -> Tuple[bool, str]:
    """Whether mmcv's compiled ops have CUDA kernels, and why not.

    Returns:
        tuple: ``(True, 'CUDA <version>')`` or ``(False, reason)``.
    """
    import mmcv
    try:
        from mmcv.ops import get_compiling_cuda_version
        version = get_compiling_cuda_version()
    except (ImportError, OSError, AttributeError) as exc:
        return False, (f'mmcv {mmcv.__version__} has no compiled ops '
                       f'({type(exc).__name__}: {exc})')
    if version == 'not available':
        return False, (f'mmcv {mmcv.__version__} was compiled without CUDA '
                       "(mmcv.ops.get_compiling_cuda_version() is "
                       f"{version!r}); rebuild it: MMCV_FLAVOUR=cuda make "
                       'env-full')
    return True, f'CUDA {version}'


def random_boxes(num: int,
                 extent: float,
                 gen: torch.Generator,
                 min_side: float = 8.0) -> torch.Tensor:
    """``(num, 4)`` float32 ``x1, y1, x2, y2`` boxes inside
    ``[0, extent]``, sides from ``min_side`` to ``0.2 * extent``."""
    xy = torch.rand(num, 2, generator=gen) * extent * 0.8
    wh = min_side + torch.rand(
        num, 2, generator=gen) * (0.2 * extent - min_side)
    return torch.cat([xy, xy + wh], dim=1)


def away_from_threshold(boxes: torch.Tensor, thr: float,
                        margin: float) -> torch.Tensor:
    """Mask of the boxes that have no IoU (float64) within ``margin`` of
    ``thr`` with any other box."""
    iou = torchvision.ops.box_iou(boxes.double(), boxes.double())
    iou.fill_diagonal_(0)
    return ~((iou - thr).abs() < margin).any(dim=1)


def _nms_inputs(gen: torch.Generator,
                num: int = 1000) -> Tuple[torch.Tensor, torch.Tensor]:
    boxes = random_boxes(num, 1000.0, gen)
    scores = torch.rand(num, generator=gen)
    keep = away_from_threshold(boxes, IOU_THR, MARGIN)
    return boxes[keep].contiguous(), scores[keep].contiguous()


def implementations(devices: Sequence[str]) -> List[Tuple[str, str]]:
    """``(library, device)`` pairs to run: torchvision on the CPU (the
    reference) first, then mmcv and torchvision on each device."""
    pairs = [('torchvision', 'cpu')]
    for device in devices:
        pairs += [(lib, device) for lib in ('mmcv', 'torchvision')
                  if (lib, device) not in pairs]
    return pairs


def _compare_keeps(run: Callable[[str, str], torch.Tensor],
                   devices: Sequence[str], **facts) -> dict:
    keeps = {
        f'{lib}_{dev}': run(lib, dev).cpu().long()
        for lib, dev in implementations(devices)
    }
    ref = keeps.pop('torchvision_cpu')
    return dict(
        facts,
        kept=len(ref),
        iou_threshold=IOU_THR,
        equal={
            k: bool(torch.equal(v, ref))
            for k, v in keeps.items()
        })


def compare_nms(gen: torch.Generator,
                devices: Sequence[str] = DEVICES) -> dict:
    """Kept indices (in order) of mmcv's and torchvision's NMS on each
    device against torchvision's on the CPU."""
    from mmcv.ops import nms
    boxes, scores = _nms_inputs(gen)

    def run(lib, device):
        args = (boxes.to(device), scores.to(device), IOU_THR)
        return nms(*args)[1] if lib == 'mmcv' else torchvision.ops.nms(*args)

    return _compare_keeps(run, devices, boxes=len(boxes))


def compare_batched_nms(gen: torch.Generator,
                        devices: Sequence[str] = DEVICES,
                        classes: int = 10) -> dict:
    """The same for class-wise NMS (``batched_nms``)."""
    from mmcv.ops import batched_nms
    boxes, scores = _nms_inputs(gen)
    idxs = torch.randint(0, classes, (len(boxes), ), generator=gen)

    def run(lib, device):
        args = (boxes.to(device), scores.to(device), idxs.to(device))
        if lib == 'mmcv':
            return batched_nms(*args, dict(type='nms',
                                           iou_threshold=IOU_THR))[1]
        return torchvision.ops.batched_nms(*args, IOU_THR)

    return _compare_keeps(run, devices, boxes=len(boxes), classes=classes)


def compare_roi_align(gen: torch.Generator,
                      sampling_ratio: int,
                      aligned: bool,
                      devices: Sequence[str] = DEVICES) -> dict:
    """mmcv's ``RoIAlign`` against ``torchvision.ops.roi_align``: the
    outputs and the gradients of the features, max |difference| to
    torchvision on the CPU."""
    from mmcv.ops import RoIAlign
    feats = torch.randn(2, 64, 50, 76, generator=gen)  # stride 16 of 1216x800
    num = 256
    boxes = random_boxes(num, 800.0, gen, min_side=4.0)
    batch = torch.randint(0, 2, (num, 1), generator=gen).float()
    rois = torch.cat([batch, boxes], dim=1)
    grad_out = torch.randn(num, 64, 7, 7, generator=gen)
    mmcv_op = RoIAlign((7, 7), 1 / 16, sampling_ratio, 'avg', aligned)

    def torchvision_op(x, r):
        return torchvision.ops.roi_align(x, r, (7, 7), 1 / 16, sampling_ratio,
                                         aligned)

    results = {}
    for lib, device in implementations(devices):
        op = mmcv_op if lib == 'mmcv' else torchvision_op
        x = feats.clone().to(device).requires_grad_()  # a leaf of its own
        out = op(x, rois.to(device))
        out.backward(grad_out.to(device))
        results[f'{lib}_{device}'] = (out.detach().cpu(), x.grad.cpu())
    ref_out, ref_grad = results.pop('torchvision_cpu')
    return dict(
        rois=num,
        sampling_ratio=sampling_ratio,
        aligned=aligned,
        max_abs_diff_out={
            k: float((v[0] - ref_out).abs().max())
            for k, v in results.items()
        },
        max_abs_diff_grad={
            k: float((v[1] - ref_grad).abs().max())
            for k, v in results.items()
        })


def check_ops(ctx) -> Outcome:
    """The ``ops`` section."""
    available, detail = mmcv_cuda_ops()
    if not available:
        raise SkipCheck(detail)
    gen = torch.Generator().manual_seed(0)
    figures = dict(
        mmcv_ops=detail,
        nms=compare_nms(gen),
        batched_nms=compare_batched_nms(gen),
        roi_align=[
            compare_roi_align(gen, 0, True),  # mmdet's RoI extractors
            compare_roi_align(gen, 2, False),
        ])
    failures: List[str] = []
    rows = []
    for op in ('nms', 'batched_nms'):
        res = figures[op]
        differ = [k for k, same in res['equal'].items() if not same]
        failures += [f'{op}: {k} keeps other boxes' for k in differ]
        rows.append([
            op, f"{res['boxes']} boxes: kept indices",
            *('equal' if res['equal'][k] else 'DIFFER'
              for k in ('mmcv_cuda', 'torchvision_cuda', 'mmcv_cpu')),
            not differ
        ])
    for res in figures['roi_align']:
        case = (f"RoIAlign s={res['sampling_ratio']} "
                f"aligned={res['aligned']}")
        for part, tol in (('out', ATOL_OUT), ('grad', ATOL_GRAD)):
            diffs = res[f'max_abs_diff_{part}']
            bad = [k for k, v in diffs.items() if not v <= tol]
            failures += [
                f'{case} {part}: {k} differs by {diffs[k]:.3g} > {tol}'
                for k in bad
            ]
            rows.append([
                case, f'{part}: max |diff|',
                *(diffs[k]
                  for k in ('mmcv_cuda', 'torchvision_cuda', 'mmcv_cpu')),
                not bad
            ])
    nms_res = figures['nms']
    roi_diff = max(
        max(r['max_abs_diff_out'].values()) for r in figures['roi_align'])
    summary = (f"mmcv ops ({detail}) agree with torchvision: nms keeps "
               f"{nms_res['kept']}/{nms_res['boxes']} boxes alike, "
               f'batched_nms alike, RoIAlign max |diff| {roi_diff:.2g}')
    if failures:
        summary = f'mmcv ops ({detail}) disagree with torchvision'
    return Outcome(
        summary=summary,
        figures=figures,
        failures=failures,
        table=dict(
            columns=[
                'op', 'vs torchvision on the CPU', 'mmcv CUDA',
                'torchvision CUDA', 'mmcv CPU', 'ok'
            ],
            rows=rows))
