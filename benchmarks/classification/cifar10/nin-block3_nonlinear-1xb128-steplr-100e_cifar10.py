# "Non-linear" classifier on frozen RotNet NIN block 3 (see the block-2
# config).
_base_ = 'nin-block2_nonlinear-1xb128-steplr-100e_cifar10.py'

model = dict(
    backbone=dict(num_stages=3, out_indices=[2], frozen_stages=3),
    head=dict(in_channels=192 * 8 * 8))
