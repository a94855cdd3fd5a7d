# AET with the BatchNorm AlexNet encoder (conv1..conv5, fc6, fc7), shared by
# the original and the transformed image; the decoder is a Linear on the
# concatenated fc7 features (8192 -> 8 homography parameters), MSE.
model = dict(
    type='AET',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='RotNetAlexNet', with_fc=True, out_indices=[5],
        norm_cfg=dict(type='BN')),
    head=dict(
        type='TransformDecoderHead',
        in_channels=4096,
        num_params=8))
