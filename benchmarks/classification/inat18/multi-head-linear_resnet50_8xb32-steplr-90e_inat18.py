# Multi-head linear evaluation (feature1..5) of a RotNet ResNet-50.
#   bash benchmarks/classification/dist_train_linear.sh THIS PRETRAINED 8
_base_ = [
    '../_base_/inat18_linear-eval.py',
    '../_base_/multi-head-linear_resnet50.py'
]
model = dict(head=dict(num_classes=8142))
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.multi_head_train_pipeline}}))
