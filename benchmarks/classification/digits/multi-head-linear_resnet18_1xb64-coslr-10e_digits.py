# Linear probes on every layer of a frozen ResNet-18 on the digits (the
# demo's evaluation; per layer as the RotNet paper reports them): the stem
# and stages 1-4 (64x16x16, 64x8x8, 128x4x4, 256x2x2, 512x1x1 at 32 px) are
# globally average-pooled (64, 64, 128, 256, 512 dims), BN(affine=False) +
# Linear each, all trained together. Global pooling makes the probe read
# what the channels encode: kept spatial maps (the ImageNet protocol's
# about 9k dims) let random features solve these 8x8 digits as well as
# learned ones (about 98% top-1 for both). Launch with the pretrained
# checkpoint:
#   python tools/train.py <this> --cfg-options \
#       model.backbone.init_cfg.checkpoint=PATH
# Baselines: the _random-init config (same probes, random backbone) and
# multi-head-linear_pixels_* (the same probe on the input pixels).
_base_ = ['../../../configs/_base_/default_runtime.py']

data_root = 'data/digits/'
metainfo = dict(classes=[f'digit_{d}' for d in range(10)])
pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]


def _loader(split, shuffle):
    return dict(
        batch_size=64,
        num_workers=2,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        collate_fn=dict(type='default_collate'),
        dataset=dict(
            type='CustomDataset',
            data_root=data_root,
            ann_file=f'meta/{split}.txt',
            data_prefix=split,
            metainfo=metainfo,
            pipeline=pipeline))


train_dataloader = _loader('train', True)
val_dataloader = _loader('val', False)
test_dataloader = val_dataloader
del _loader

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        num_classes=10,
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        to_rgb=True),
    backbone=dict(
        type='ResNetWithStem',
        depth=18,
        out_indices=(0, 1, 2, 3, 4),
        frozen_stages=4,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(
        type='MultiPooling',
        pools=[dict(type='AdaptiveAvgPool2d', output_size=1)] * 5),
    head=dict(
        type='MultiHeadLinearHead',
        num_classes=10,
        in_channels=[64, 64, 128, 256, 512],
        layer_names=['stem', 'stage1', 'stage2', 'stage3', 'stage4'],
        loss=dict(type='CrossEntropyLoss')))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=10)
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=10)
val_cfg = dict()
test_cfg = dict()
val_evaluator = dict(type='MultiHeadAccuracy', topk=(1, ))
test_evaluator = val_evaluator

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(interval=10, max_keep_ckpts=1))
randomness = dict(seed=0)
