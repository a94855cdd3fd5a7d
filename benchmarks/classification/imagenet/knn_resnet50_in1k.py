# Features for the ImageNet kNN benchmark: last ResNet-50 stage, global
# average pooling (2048 dims), resize 256 + centre crop 224.
#   bash benchmarks/classification/knn.sh THIS PRETRAINED 8
_base_ = ['../../../configs/_base_/default_runtime.py']

data_root = 'data/imagenet/'
extract_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
extract_dataloaders = dict(
    train=dict(
        batch_size=64,
        num_workers=8,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(
            type='ImageNet',
            data_root=data_root,
            split='train',
            pipeline=extract_pipeline)),
    val=dict(
        batch_size=64,
        num_workers=8,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(
            type='ImageNet',
            data_root=data_root,
            split='val',
            pipeline=extract_pipeline)))
layer_names = ['feature5']
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(type='ResNet', depth=50, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=None)
