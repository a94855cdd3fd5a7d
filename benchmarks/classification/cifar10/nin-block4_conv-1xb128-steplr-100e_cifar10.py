# "Conv" classifier on frozen RotNet NIN block 4 (see the block-2 config).
_base_ = 'nin-block2_conv-1xb128-steplr-100e_cifar10.py'

model = dict(
    backbone=dict(num_stages=4, out_indices=[3], frozen_stages=4),
    head=dict(in_channels=192))
