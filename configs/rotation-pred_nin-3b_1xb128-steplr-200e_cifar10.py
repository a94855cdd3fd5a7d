# RotNet, NIN with 3 blocks, CIFAR-10 (same recipe as the 4-block model).
_base_ = 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10.py'

model = dict(
    backbone=dict(num_stages=3),
    # the online probes of the 3 blocks
    online_probe=dict(
        stages=[0, 1, 2],
        in_channels=[96, 192, 192],
        stage_names=['block1', 'block2', 'block3']))
