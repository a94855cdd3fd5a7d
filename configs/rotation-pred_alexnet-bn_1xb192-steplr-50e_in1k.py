# RotNet, BatchNorm AlexNet, ImageNet-1k: the official recipe. 192 images x
# 4 rotations per batch, RandomResizedCrop 224 + flip, SGD Nesterov lr 0.01,
# steps x0.1 at 15/30/45, 50 epochs.
_base_ = [
    '_base_/models/rotation-pred_alexnet-bn.py',
    '_base_/datasets/imagenet_rotation-pred.py',
    '_base_/schedules/sgd-nesterov_steplr-50e.py',
    '_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=192)
