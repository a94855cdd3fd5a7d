# AET (projective), BatchNorm AlexNet, ImageNet-1k: the official recipe
# (batch 4 x 192, 200 epochs, SGD Nesterov lr 0.01, x0.1 @100/150).
_base_ = [
    '_base_/models/aet_alexnet-bn.py',
    '_base_/datasets/imagenet_aet-projective.py',
    '_base_/schedules/sgd-nesterov_steplr-200e_aet-in1k.py',
    '_base_/default_runtime.py',
]
