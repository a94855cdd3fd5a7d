# The published recipe with the fast settings measured in docs/speed.md:
# bf16 autocast (same exponent range as fp32, so no loss scaling is
# needed), channels_last activations and non-blocking host-to-device copies
# from the loader's pinned memory (the flip and the rotations are already
# made on the device by the base recipe).
# Optional: add `compile = True` to run train_step through torch.compile.
_base_ = 'rotation-pred_resnet50_8xb16-steplr-70e_in1k.py'

model = dict(
    data_preprocessor=dict(
        channels_last=True, non_blocking=True))
optim_wrapper = dict(
    type='AmpOptimWrapper', dtype='bfloat16', loss_scale=1.0)
train_dataloader = dict(pin_memory=True, persistent_workers=True)
