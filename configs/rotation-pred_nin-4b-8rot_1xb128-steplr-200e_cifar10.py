# Rotation-count ablation: 8 rotations, multiples of 45 degrees (NIN 4
# blocks, CIFAR-10). 45-degree rotations need interpolation, so the copies
# are made in the loader by RotationWithLabels (after crop and flip; every
# copy is centre-cropped alike and resized back to 32 px) and the model
# only normalises them. The model owns the rotation set: the transforms,
# the head (8 classes) and the RotationAccuracy metric take it from
# model.angles.
_base_ = 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10.py'

model = dict(
    angles='eight',
    data_preprocessor=dict(
        _delete_=True,
        type='SelfSupDataPreprocessor',
        mean=[125.3, 123.0, 113.9],
        std=[63.0, 62.1, 66.7],
        to_rgb=False))

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RotationWithLabels'),
    dict(type='PackInputs', algorithm_keys=['rot_label']),
]
test_pipeline = [
    dict(type='RotationWithLabels'),
    dict(type='PackInputs', algorithm_keys=['rot_label']),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
