# Supervised NIN baseline: the fine-tuning architecture (NIN blocks 1-2 +
# the conv classifier block, i.e. a 3-block NIN) from random initialisation,
# all trained on labelled CIFAR-10.
_base_ = 'nin-block2_finetune-1xb128-steplr-100e_cifar10.py'

model = dict(
    backbone=dict(
        init_cfg=[
            dict(
                type='Kaiming',
                layer='Conv2d',
                mode='fan_out',
                nonlinearity='relu'),
            dict(type='Constant', val=1, layer=['_BatchNorm'])
        ]))
