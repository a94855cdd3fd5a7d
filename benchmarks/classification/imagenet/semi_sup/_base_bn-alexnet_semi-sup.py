# Semi-supervised fine-tuning of the whole RotNet BN-AlexNet (conv1..fc7,
# the layers its pretext task trained) + Linear(4096, 1000) on an ImageNet
# subset, with the schedule and grid of the ResNet-50 protocol (4 x 64
# images, SGD momentum 0.9, wd 5e-4, lr x 0.2 at epochs 12 and 16, 20
# epochs; base lr {0.001, 0.01, 0.1} x head lr multiplier {1, 10, 100}).
_base_ = ['_base_resnet50_semi-sup.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='RotNetAlexNet',
        with_fc=True,
        out_indices=(5, ),
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=None,
    head=dict(in_channels=4096))
