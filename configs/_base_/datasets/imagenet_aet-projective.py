# ImageNet-1k (mmpretrain layout, data/imagenet/train/...) for AET/AVT:
# resize the short side to 256, random 224 crop + flip (the official AET
# ImageNet loader uses no random-sized crop), then the random projective
# transformation; two views per image plus `transform_target`.
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'

train_pipeline = [
    dict(type='RobustLoadImageFromFile'),  # skips and counts bad files
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='RandomCrop', crop_size=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='ProjectiveTransformSampler',
        shift=0.125,
        scale=(0.8, 1.2),
        angles=(0, 90, 180, 270),
        fill=128),
    dict(type='PackInputs', algorithm_keys=['transform_target']),
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
        split='train',
        pipeline=train_pipeline))
