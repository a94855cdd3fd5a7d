# Linear evaluation (AvgPool) of a RotNet ResNet-50 on Places205.
#   bash benchmarks/classification/dist_train_linear.sh THIS PRETRAINED 8
_base_ = [
    '../_base_/places205_linear-eval.py',
    '../_base_/linear-eval_resnet50.py'
]
model = dict(head=dict(num_classes=205))
