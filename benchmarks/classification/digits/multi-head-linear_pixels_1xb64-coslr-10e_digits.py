# Raw-pixel baseline of the demo: the digits' linear probe on the
# normalised input itself (no network), average-pooled from 32 px back to
# the digits' native 8x8 (3x8x8 = 192 dims, all the information there is),
# with the schedule, head and metric of the per-layer probes.
_base_ = 'multi-head-linear_resnet18_1xb64-coslr-10e_digits.py'

model = dict(
    backbone=dict(_delete_=True, type='InputPixels'),
    neck=dict(pools=[dict(type='AdaptiveAvgPool2d', output_size=8)]),
    head=dict(in_channels=[192], layer_names=['pixels']))
