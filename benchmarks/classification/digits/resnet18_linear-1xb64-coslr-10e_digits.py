# Linear probe on frozen ResNet-18 features of the digits (the demo's
# evaluation). Launch with the pretrained checkpoint:
#   python tools/train.py <this> --cfg-options \
#       model.backbone.init_cfg.checkpoint=PATH
# The random-initialisation baseline is the _random-init config.
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
        type='ResNet',
        depth=18,
        out_indices=[3],
        frozen_stages=4,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='', prefix='backbone.')),
    head=dict(
        type='LinearProbeHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, )))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=10)
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=10)
val_cfg = dict()
test_cfg = dict()
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(interval=10, max_keep_ckpts=1))
randomness = dict(seed=0)
