# Linear evaluation (AvgPool) of a RotNet BN-AlexNet: frozen backbone in
# eval mode, global average pooling of conv5 + Linear(256, C). The
# optimisation follows the RotNet paper's linear probes (batch 192, SGD
# nesterov momentum 0.9, wd 5e-4, lr 0.01 x 0.2 at epochs 5, 15, 25; 35
# epochs). The paper's own per-layer probes (conv1..conv5 max-pooled to
# about 9k dims) are the multi-head-linear_bn-alexnet configs.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='RotNetAlexNet',
        out_indices=(4, ),
        frozen_stages=5,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=256,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, 5),
        init_cfg=dict(type='Normal', std=0.01, layer='Linear')))
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
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
