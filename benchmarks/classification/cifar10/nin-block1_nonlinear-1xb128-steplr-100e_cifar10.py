# "Non-linear" classifier on frozen RotNet NIN block 1 (see the block-2
# config).
_base_ = 'nin-block2_nonlinear-1xb128-steplr-100e_cifar10.py'

model = dict(
    backbone=dict(num_stages=1, out_indices=[0], frozen_stages=1),
    head=dict(in_channels=96 * 16 * 16))
