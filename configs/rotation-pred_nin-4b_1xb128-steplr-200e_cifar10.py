# RotNet, NIN with 4 blocks, CIFAR-10: the paper's main CIFAR model.
# 128 images x 4 rotations per batch, SGD Nesterov lr 0.1, steps x0.2 at
# 60/120/160, 200 epochs. Also the 4-rotation entry of the ablation.
_base_ = [
    '_base_/models/rotation-pred_nin.py',
    '_base_/datasets/cifar10_rotation-pred.py',
    '_base_/schedules/sgd-nesterov_steplr-200e.py',
    '_base_/default_runtime.py',
]

# Online per-stage probes (docs/pretraining.md), on: a linear classifier of
# the CIFAR-10 class on each block's pooled, detached features of the
# unrotated copy, trained beside the rotation loss and evaluated with the
# rotation accuracy every 20 epochs on the test split. On by default because
# it is free to the recipe: the pretraining is bit-identical with and
# without it, the labels come with CIFAR-10 and the step costs a few
# percent more at most (docs/speed.md).
model = dict(
    online_probe=dict(
        type='OnlineLinearProbe',
        stages=[0, 1, 2, 3],
        in_channels=[96, 192, 192, 192],
        stage_names=['block1', 'block2', 'block3', 'block4'],
        num_classes=10,
        lr=0.1))
val_evaluator = [
    dict(type='RotationAccuracy'),
    dict(type='OnlineProbeAccuracy')
]
test_evaluator = val_evaluator
