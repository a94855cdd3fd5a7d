# The demo: RotNet on scikit-learn's real handwritten digits (no download),
# upscaled to 32 px, ResNet-18, one process, 64 images x 4 rotations.
_base_ = [
    '_base_/datasets/digits_rotation-pred.py',
    '_base_/default_runtime.py',
]

model = dict(
    type='RotationPred',
    angles='four',
    data_preprocessor=dict(
        type='RotationDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        to_rgb=True),
    backbone=dict(type='ResNet', depth=18, out_indices=[3]),
    head=dict(type='RotationHead', in_channels=512),
    # Online per-stage probes (docs/pretraining.md), on: a linear classifier
    # of the digit on each stage's pooled, detached features of the
    # unrotated copy, trained beside the rotation loss. It never changes
    # the pretraining (same weights with and without it) and its curves are
    # the demo's view of each stage while it learns.
    online_probe=dict(
        type='OnlineLinearProbe',
        stages=[0, 1, 2, 3],
        in_channels=[64, 128, 256, 512],
        num_classes=10,
        lr=0.1))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=12)
]
# validate every epoch: rotation accuracy and the online probes' curves
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict()
val_evaluator = [
    dict(type='RotationAccuracy'),
    dict(type='OnlineProbeAccuracy')
]
test_cfg = dict()
test_evaluator = val_evaluator

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(interval=12, max_keep_ckpts=1))
randomness = dict(seed=0)
