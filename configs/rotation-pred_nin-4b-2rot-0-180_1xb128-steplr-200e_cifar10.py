# Rotation-count ablation: 2 rotations {0, 180} (NIN 4 blocks, CIFAR-10).
# The model owns the rotation set: its preprocessor, head (2 classes) and
# the RotationAccuracy metric take it from model.angles.
_base_ = 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10.py'

model = dict(angles='two_0_180')
