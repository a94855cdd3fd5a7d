# Linear evaluation (AvgPool of conv5) of a RotNet BN-AlexNet on Places205.
#   bash benchmarks/classification/dist_train_linear.sh THIS PRETRAINED 1
_base_ = [
    '../_base_/places205_linear-eval.py',
    '../_base_/linear-eval_bn-alexnet-conv5.py'
]
model = dict(head=dict(num_classes=205))
train_dataloader = dict(batch_size=192)
val_dataloader = dict(batch_size=192)
test_dataloader = val_dataloader
