# CIFAR-10 for AET/AVT (mmpretrain's CIFAR10 reads
# data/cifar10/cifar-10-batches-py/). As the official AET code: random crop
# (padding 4) + horizontal flip, then the random projective transformation;
# each image gives two views, original and transformed, and the
# standardised homography parameters (`transform_target`).
dataset_type = 'CIFAR10'
data_root = 'data/cifar10/'

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='ProjectiveTransformSampler',
        shift=0.125,  # 4 px per corner at 32 px
        scale=(0.8, 1.2),
        angles=(0, 90, 180, 270),
        fill=128),
    dict(type='PackInputs', algorithm_keys=['transform_target']),
]

train_dataloader = dict(
    batch_size=512,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
