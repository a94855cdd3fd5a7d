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
