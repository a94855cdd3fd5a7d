# RotNet with the official CIFAR-10 Network-in-Network: 4 blocks, no
# avg-pool after block 3, global average pool + Linear(192, 4).
model = dict(
    type='RotationPred',
    angles='four',
    data_preprocessor=dict(
        # Rotations are made on the device: the loader ships each image once.
        type='RotationDataPreprocessor',
        # the official CIFAR-10 statistics (0-255, RGB images)
        mean=[125.3, 123.0, 113.9],
        std=[63.0, 62.1, 66.7],
        to_rgb=False),
    backbone=dict(
        type='NIN',
        num_stages=4,
        out_indices=[-1],
        avg_pool_after_block3=False),
    head=dict(
        type='RotationHead',
        in_channels=192,
        pool_type='avg',
        init_cfg=None,  # PyTorch's default Linear init, like the official code
        loss=dict(type='CrossEntropyLoss')))
