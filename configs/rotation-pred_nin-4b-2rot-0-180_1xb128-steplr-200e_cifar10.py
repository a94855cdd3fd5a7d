# Rotation-count ablation: 2 rotations {0, 180} (NIN 4 blocks, CIFAR-10).
_base_ = 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10.py'

angles = 'two_0_180'
model = dict(
    angles=angles,
    data_preprocessor=dict(angles=angles),
    head=dict(num_classes=2))
val_evaluator = dict(type='RotationAccuracy', angles=angles)
test_evaluator = val_evaluator
