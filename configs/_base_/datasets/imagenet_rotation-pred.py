# ImageNet-1k in mmpretrain's layout for rotation pretraining:
#   data/imagenet/train/<wnid>/*.JPEG  (+ optional meta/train.txt)
#   data/imagenet/val/...              (+ optional meta/val.txt)
# The horizontal flip (p=0.5) and the rotated copies are made on the device
# by the model's RotationDataPreprocessor (flip_prob=0.5): the loader only
# decodes and crops, and ships each image once (docs/speed.md). To make them
# in the loader instead, append dict(type='RandomFlip', prob=0.5) and
# dict(type='RotationWithLabels') before PackInputs, add
# algorithm_keys=['rot_label'] to PackInputs and use a plain
# SelfSupDataPreprocessor (same augmentation; the rotations are identical).
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'

train_pipeline = [
    dict(type='RobustLoadImageFromFile'),  # skips and counts bad files
    dict(type='RandomResizedCrop', scale=224, backend='pillow'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=16,
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

# `tools/test.py CONFIG CHECKPOINT` measures the rotation-prediction
# accuracy (overall and per angle) on the validation split, centre-cropped.
# Training does not validate (as in the published recipe).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=16,
    num_workers=8,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline))
test_evaluator = dict(type='RotationAccuracy')
test_cfg = dict()
