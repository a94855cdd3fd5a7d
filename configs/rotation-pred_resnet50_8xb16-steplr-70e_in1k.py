# RotNet, ResNet-50, ImageNet-1k: 8 GPUs x 16 images (x4 rotations = 512),
# SGD lr 0.2, warm-up 5 epochs, steps at 30/50, 70 epochs.
_base_ = [
    '_base_/models/rotation-pred_resnet50.py',
    '_base_/datasets/imagenet_rotation-pred.py',
    '_base_/schedules/sgd_steplr-70e.py',
    '_base_/default_runtime.py',
]
