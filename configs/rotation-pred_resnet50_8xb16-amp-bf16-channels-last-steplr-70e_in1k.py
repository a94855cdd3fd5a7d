# The published recipe with the fast settings measured in docs/speed.md:
# bf16 autocast (same exponent range as fp32, so no loss scaling is
# needed), channels_last activations, the random horizontal flip done on
# the device (the loader only decodes and crops), and non-blocking
# host-to-device copies from the loader's pinned memory.
# Optional: add `compile = True` to run train_step through torch.compile.
_base_ = 'rotation-pred_resnet50_8xb16-steplr-70e_in1k.py'

model = dict(
    data_preprocessor=dict(
        channels_last=True, flip_prob=0.5, non_blocking=True))
optim_wrapper = dict(
    type='AmpOptimWrapper', dtype='bfloat16', loss_scale=1.0)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    pin_memory=True,
    persistent_workers=True,
    dataset=dict(pipeline=train_pipeline))
