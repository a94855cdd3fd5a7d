# Linear evaluation (AvgPool) of a RotNet ResNet-50 on ImageNet-1k.
#   bash benchmarks/classification/dist_train_linear.sh THIS PRETRAINED 8
_base_ = [
    '../_base_/imagenet_linear-eval.py', '../_base_/linear-eval_resnet50.py'
]
model = dict(head=dict(num_classes=1000))
