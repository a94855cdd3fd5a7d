# RotNet with a ResNet-50 backbone (mmselfsup's published recipe).
model = dict(
    type='RotationPred',
    angles='four',
    data_preprocessor=dict(
        # Rotations are made on the device: the loader ships each image once.
        type='RotationDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
        flip_prob=0.5),  # the random horizontal flip, on the device
    backbone=dict(
        type='ResNet',
        depth=50,
        in_channels=3,
        out_indices=[3],  # the last stage
        norm_cfg=dict(type='SyncBN')),
    head=dict(
        type='RotationHead',
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss')))

# Online per-stage probes (docs/pretraining.md), OFF by default here: their
# numbers come from a validation pass over the ImageNet val split, which the
# published recipe does not run (it needs only data/imagenet/train). The
# probe itself is free to the recipe (bit-identical pretraining, a few
# percent more per step, docs/speed.md). To switch it on, inherit the
# recipe:
#   _base_ = ['<this recipe>.py']
#   model = dict(online_probe={{_base_.online_probe}})
#   train_cfg = dict(val_interval=10)
#   val_dataloader = {{_base_.test_dataloader}}
#   val_cfg = dict()
#   val_evaluator = [dict(type='RotationAccuracy'),
#                    dict(type='OnlineProbeAccuracy')]
online_probe = dict(
    type='OnlineLinearProbe',
    stages=[0, 1, 2, 3],  # res2 .. res5
    in_channels=[256, 512, 1024, 2048],
    num_classes=1000,
    lr=0.1)
