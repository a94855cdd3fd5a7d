# Baseline of the demo: the same linear probes on a frozen, randomly
# initialised ResNet-18 (mmpretrain's default Kaiming init, so activations
# keep their scale through the network).
_base_ = 'multi-head-linear_resnet18_1xb64-coslr-10e_digits.py'

model = dict(
    backbone=dict(init_cfg=[
        dict(type='Kaiming', layer=['Conv2d']),
        dict(type='Constant', val=1, layer=['_BatchNorm'])
    ]))
