# "Non-linear" classifier on frozen RotNet NIN block 2: the block's feature
# map flattened (192 x 8 x 8) -> 200 -> 200 -> 10, the hidden layers
# Linear + BN + ReLU. Launch with the RotNet checkpoint:
#   python tools/train.py <this> --cfg-options \
#       model.backbone.init_cfg.checkpoint=PATH
_base_ = [
    '_base_/cifar10_cls.py',
    '_base_/sgd-nesterov_steplr-100e.py',
]

block = 2
model = dict(
    type='ImageClassifier',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='NIN',
        num_stages=block,
        out_indices=[block - 1],
        frozen_stages=block,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='FlattenNeck'),
    head=dict(
        type='StackedLinearClsHead',
        num_classes=10,
        in_channels=192 * 8 * 8,
        mid_channels=[200, 200],
        norm_cfg=dict(type='BN1d'),
        act_cfg=dict(type='ReLU'),
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, )))
