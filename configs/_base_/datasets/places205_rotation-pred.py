# Places205 in its released layout, read by mmpretrain's Places205 (the
# same files as the benchmarks/classification/places205 configs):
#   data/places205/data/vision/torralba/deeplearning/images256/a/abbey/...
#   data/places205/trainvalsplit_places205/{train,val}_places205.csv
#   (`a/abbey/xxx.jpg label` per line).
# Same augmentation as ImageNet: RandomResizedCrop 224 + horizontal flip
# (the flip on the device, by RotationDataPreprocessor's flip_prob).
dataset_type = 'Places205'
data_root = 'data/places205/'
images = 'data/vision/torralba/deeplearning/images256'

train_pipeline = [
    dict(type='RobustLoadImageFromFile'),  # skips and counts bad files
    dict(type='RandomResizedCrop', scale=224, backend='pillow'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=192,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='trainvalsplit_places205/train_places205.csv',
        data_prefix=images,
        pipeline=train_pipeline))

# `tools/test.py CONFIG CHECKPOINT`: rotation accuracy on the val split.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=192,
    num_workers=8,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='trainvalsplit_places205/val_places205.csv',
        data_prefix=images,
        pipeline=test_pipeline))
test_evaluator = dict(type='RotationAccuracy', angles='four')
test_cfg = dict()
