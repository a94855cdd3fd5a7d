# CIFAR-10 classification for the RotNet evaluation protocols, read by
# mmpretrain's CIFAR10 from data/cifar10/cifar-10-batches-py/.
# Random crop (padding 4) + horizontal flip, the official normalisation.
_base_ = ['../../../../configs/_base_/default_runtime.py']

dataset_type = 'CIFAR10'
data_root = 'data/cifar10/'
data_preprocessor = dict(
    num_classes=10,
    mean=[125.3, 123.0, 113.9],
    std=[63.0, 62.1, 66.7],
    to_rgb=False)

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
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=1))
