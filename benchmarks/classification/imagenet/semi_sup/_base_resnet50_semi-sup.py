# Semi-supervised fine-tuning of the whole ResNet-50 on an ImageNet subset
# (OpenSelfSup / mmselfsup protocol): 4 x 64 images, SGD momentum 0.9,
# wd 5e-4, lr x 0.2 at epochs 12 and 16, 20 epochs. The published grid:
# base lr in {0.001, 0.01, 0.1} x head lr multiplier in {1, 10, 100}
# (benchmarks/classification/semi_sup_grid.sh runs all nine).
_base_ = ['../../_base_/imagenet_linear-eval.py']

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        out_indices=(3, ),
        norm_cfg=dict(type='SyncBN'),
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, 5),
        init_cfg=dict(type='Normal', std=0.01, layer='Linear')))
train_dataloader = dict(batch_size=64)
head_lr_mult = 1
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=head_lr_mult)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[12, 16], gamma=0.2)
]
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=5)
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
