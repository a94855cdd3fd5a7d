# RotNet with the official BatchNorm AlexNet: conv1..conv5, fc6/fc7
# (Linear without bias + BN1d + ReLU, no dropout), Linear(4096, 4).
model = dict(
    type='RotationPred',
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
    head=dict(
        type='RotationHead',
        in_channels=4096,
        pool_type='none',
        init_cfg=None,  # PyTorch's default Linear init, like the official code
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
    stages=[0, 1, 2, 3, 4],
    in_channels=[64, 192, 384, 256, 256],
    stage_names=['conv1', 'conv2', 'conv3', 'conv4', 'conv5'],
    num_classes=1000,  # 205 for Places205
    lr=0.1)
