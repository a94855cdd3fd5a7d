# Feature Decoupling, BatchNorm AlexNet, ImageNet-1k: the official recipe.
# 192 images x 4 rotations per batch, RandomResizedCrop 224 + flip, SGD
# Nesterov 0.9, wd 5e-4, 245 epochs; the fc7 feature is split into a
# rotation half and an invariant half (2048 + 2048); NCE with 4096
# negatives, temperature 0.07, memory momentum 0.5; PU re-weighting of the
# rotation loss (gamma 2) from epoch 210. Loss weights 1 / 1 / 1.
_base_ = [
    '_base_/datasets/imagenet_rotation-pred.py',
    '_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=192)

model = dict(
    type='FeatureDecoupling',
    angles='four',
    data_preprocessor=dict(
        type='RotationDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
        flip_prob=0.5),  # the random horizontal flip, on the device
    backbone=dict(
        type='RotNetAlexNet', with_fc=True, out_indices=[5],
        norm_cfg=dict(type='BN')),
    neck=dict(type='FeatureSplitNeck', split=[2048, 2048]),
    head=dict(
        type='RotationHead',
        in_channels=2048,
        in_index=0,  # the rotation part
        pool_type='none',
        init_cfg=None,
        loss=dict(type='CrossEntropyLoss')),
    nce_head=dict(
        type='NCEHead',
        in_channels=2048,
        feat_dim=128,
        num_negatives=4096,
        temperature=0.07),
    memory_bank=dict(
        type='InstanceMemoryBank',
        num_samples=1281167,  # ImageNet-1k train
        feat_dim=128,
        momentum=0.5),
    # (N, 4) probabilities written by tools/analysis/compute_rotation_probs.py
    # from a RotNet checkpoint; set to None to train without PU weights.
    pu_probs='data/imagenet/meta/rotation_probs_train.npy',
    pu_start_epoch=210,
    pu_gamma=2.0,
    loss_weights=dict(cls=1.0, mse=1.0, nce=1.0))

# lr 0.01 -> 1e-3 @90 -> 1e-4 @130 -> 1e-5 @190, back to 1e-4 @210 (when
# the PU weights start) -> 1e-5 @230; 245 epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=True,
        milestones=[90, 130, 190, 230],
        gamma=0.1),
    dict(type='MultiStepLR', by_epoch=True, milestones=[210], gamma=10.),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=245)
auto_scale_lr = dict(base_batch_size=192, enable=False)
