# Multi-head linear evaluation (feature1..5) of a RotNet ResNet-50.
#   bash benchmarks/classification/dist_train_linear.sh THIS PRETRAINED 8
_base_ = [
    '../_base_/imagenet_linear-eval.py',
    '../_base_/multi-head-linear_resnet50.py'
]
model = dict(head=dict(num_classes=1000))
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.multi_head_train_pipeline}}))
