# Multi-head linear evaluation of ResNet-50 feature1..5 (mmselfsup
# protocol): frozen backbone in eval mode, each layer average-pooled to
# 9216/9216/8192/9216/8192 dims, BN(affine=False) + Linear per layer, all
# trained together; SGD lr 0.01 nesterov, wd 1e-4 (none on norms), lr / 10
# at epochs 30, 60; 90 epochs.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNetWithStem',
        depth=50,
        out_indices=(0, 1, 2, 3, 4),
        frozen_stages=4,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='MultiPooling', pools='resnet50'),
    head=dict(
        type='MultiHeadLinearHead',
        num_classes=1000,
        in_channels=[9216, 9216, 8192, 9216, 8192],
        layer_names=['feature1', 'feature2', 'feature3', 'feature4',
                     'feature5'],
        loss=dict(type='CrossEntropyLoss')))

# ColorJitter + PCA lighting as in the mmselfsup multi-head recipe (the
# leaf configs put it in train_dataloader).
multi_head_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(
        type='Lighting',
        eigval=[55.4625, 4.7940, 1.1475],
        eigvec=[[-0.5836, -0.6948, 0.4203], [-0.5808, -0.0045, -0.8140],
                [-0.5675, 0.7192, 0.4009]],
        alphastd=0.1,
        to_rgb=False),
    dict(type='PackInputs'),
]

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4,
        nesterov=True),
    paramwise_cfg=dict(norm_decay_mult=0.))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60], gamma=0.1)
]
train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=10)
val_evaluator = dict(type='MultiHeadAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
