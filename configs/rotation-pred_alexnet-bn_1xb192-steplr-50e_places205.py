# RotNet, BatchNorm AlexNet, Places205: the ImageNet recipe on Places205.
_base_ = [
    '_base_/models/rotation-pred_alexnet-bn.py',
    '_base_/datasets/places205_rotation-pred.py',
    '_base_/schedules/sgd-nesterov_steplr-50e.py',
    '_base_/default_runtime.py',
]
