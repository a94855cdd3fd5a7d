# Places205 in mmpretrain's CustomDataset layout, read by its Places205:
#   data/places205/train/<category>/...jpg + data/places205/meta/train.txt
#   (`relative/path label` per line).
# Same augmentation as ImageNet: RandomResizedCrop 224 + horizontal flip
# (the flip on the device, by RotationDataPreprocessor's flip_prob).
dataset_type = 'Places205'
data_root = 'data/places205/'

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
        ann_file='meta/train.txt',
        data_prefix='train',
        pipeline=train_pipeline))
