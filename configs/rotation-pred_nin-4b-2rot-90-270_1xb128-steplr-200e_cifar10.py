# Rotation-count ablation: 2 rotations {90, 270} (NIN 4 blocks, CIFAR-10).
# The model owns the rotation set: its preprocessor, head (2 classes) and
# the RotationAccuracy metric take it from model.angles.
_base_ = 'rotation-pred_nin-4b_1xb128-steplr-200e_cifar10.py'

# No angle 0: the batch has no unrotated copy for the online probes (off).
model = dict(angles='two_90_270', online_probe=None)
