# AET with the official CIFAR-10 encoder: a 4-block Network-in-Network (no
# avg-pool after block 3), shared by the original and the transformed
# image; the decoder is one Linear on the two globally pooled 192-d
# features (384 -> 8 homography parameters), trained with MSE.
model = dict(
    type='AET',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        # the AET code's CIFAR-10 statistics, on 0-255
        mean=[125.31, 122.95, 113.87],
        std=[51.59, 50.85, 51.26],
        to_rgb=False),
    backbone=dict(
        type='NIN',
        num_stages=4,
        out_indices=[-1],
        avg_pool_after_block3=False),
    head=dict(
        type='TransformDecoderHead',
        in_channels=192,
        num_params=8,
        pool_type='avg'))
