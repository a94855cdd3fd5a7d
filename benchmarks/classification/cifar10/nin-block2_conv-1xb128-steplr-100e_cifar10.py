# "Conv" classifier on frozen RotNet NIN block 2: a new NIN block (3x3 and
# two 1x1 convs, 192 channels) + global average pool + Linear(192, 10).
# Launch with the RotNet checkpoint (full RotationPred or backbone-only):
#   python tools/train.py <this> --cfg-options \
#       model.backbone.init_cfg.checkpoint=PATH
# Only the blocks up to the evaluated one are built; the 4-block
# checkpoint's later blocks are ignored.
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
    head=dict(
        type='NINConvClsHead',
        num_classes=10,
        in_channels=192,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, )))
