# AET (projective), NIN 4 blocks, CIFAR-10: the official recipe (batch 512,
# 1500 epochs, SGD Nesterov lr 0.1, wd 5e-4).
_base_ = [
    '_base_/models/aet_nin.py',
    '_base_/datasets/cifar10_aet-projective.py',
    '_base_/schedules/sgd-nesterov_steplr-1500e_aet.py',
    '_base_/default_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=100))
