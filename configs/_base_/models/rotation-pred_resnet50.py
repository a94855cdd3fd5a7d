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
