# scikit-learn's handwritten digits written as an ImageNet-layout folder
# (tools/dataset_converters/prepare_digits.py): the demo's embedded data.
dataset_type = 'CustomDataset'
data_root = 'data/digits/'
metainfo = dict(classes=[f'digit_{d}' for d in range(10)])

train_pipeline = [
    dict(type='RobustLoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='PackInputs'),
]
val_pipeline = [
    # a bad validation image is an error (test-mode datasets cannot skip)
    dict(type='RobustLoadImageFromFile', skip_bad=False),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='train',
        metainfo=metainfo,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/val.txt',
        data_prefix='val',
        metainfo=metainfo,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
