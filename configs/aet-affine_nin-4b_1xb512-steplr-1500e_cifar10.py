# AET (affine), NIN 4 blocks, CIFAR-10: rotation in [-180, 180], translation
# up to 0.2, scale 0.7-1.3, shear [-30, 30]; the decoder regresses the 6
# parameters of the AET code. Same schedule as the projective model.
_base_ = ['aet-projective_nin-4b_1xb512-steplr-1500e_cifar10.py']

model = dict(head=dict(num_params=6))
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='AffineTransformSampler',
        degrees=(-180, 180),
        translate=(0.2, 0.2),
        scale=(0.7, 1.3),
        shear=(-30, 30),
        fill=128),
    dict(type='PackInputs', algorithm_keys=['transform_target']),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
