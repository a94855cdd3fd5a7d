# Linear probes on conv1..conv5 of a RotNet BN-AlexNet (RotNet paper).
#   bash benchmarks/classification/dist_train_linear.sh THIS PRETRAINED 1
_base_ = [
    '../_base_/imagenet_linear-eval.py',
    '../_base_/multi-head-linear_bn-alexnet.py'
]
model = dict(head=dict(num_classes=1000))
train_dataloader = dict(batch_size=192)
val_dataloader = dict(batch_size=192)
test_dataloader = val_dataloader
