# CIFAR-10 (python pickle batches) read by mmpretrain's CIFAR10:
#   data/cifar10/cifar-10-batches-py/{data_batch_1..5,test_batch,...}
# Official RotNet augmentation: random crop (padding 4) and horizontal flip,
# applied before rotating (the rotations are made by the model's
# RotationDataPreprocessor). The test split measures rotation accuracy.
dataset_type = 'CIFAR10'
data_root = 'data/cifar10/'

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128,
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
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='RotationAccuracy')
test_evaluator = val_evaluator
