# Linear probes on frozen BN-AlexNet conv1..conv5 (RotNet paper): each layer
# adaptively max-pooled to 12x12, 7x7, 5x5, 6x6, 6x6 (9216, 9408, 9600,
# 9216, 9216 dims), BN(affine=False) + Linear, all trained together; batch
# 192, SGD nesterov momentum 0.9, wd 5e-4, lr 0.01 x 0.2 at epochs 5, 15,
# 25; 35 epochs.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='RotNetAlexNet',
        out_indices=(0, 1, 2, 3, 4),
        frozen_stages=5,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='MultiPooling', pools='alexnet'),
    head=dict(
        type='MultiHeadLinearHead',
        num_classes=1000,
        in_channels=[9216, 9408, 9600, 9216, 9216],
        layer_names=['conv1', 'conv2', 'conv3', 'conv4', 'conv5'],
        loss=dict(type='CrossEntropyLoss')))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4,
        nesterov=True))
param_scheduler = [
    dict(
        type='MultiStepLR', by_epoch=True, milestones=[5, 15, 25], gamma=0.2)
]
train_cfg = dict(by_epoch=True, max_epochs=35, val_interval=5)
val_evaluator = dict(type='MultiHeadAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
