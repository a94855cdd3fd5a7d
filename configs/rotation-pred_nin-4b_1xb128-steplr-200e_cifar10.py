# RotNet, NIN with 4 blocks, CIFAR-10: the paper's main CIFAR model.
# 128 images x 4 rotations per batch, SGD Nesterov lr 0.1, steps x0.2 at
# 60/120/160, 200 epochs. Also the 4-rotation entry of the ablation.
_base_ = [
    '_base_/models/rotation-pred_nin.py',
    '_base_/datasets/cifar10_rotation-pred.py',
    '_base_/schedules/sgd-nesterov_steplr-200e.py',
    '_base_/default_runtime.py',
]
