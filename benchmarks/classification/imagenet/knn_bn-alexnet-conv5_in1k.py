# Features for the ImageNet kNN benchmark from a RotNet BN-AlexNet: conv5,
# global average pooling (256 dims), resize 256 + centre crop 224.
#   bash benchmarks/classification/knn.sh THIS PRETRAINED 8
_base_ = ['knn_resnet50_in1k.py']

layer_names = ['conv5']
model = dict(
    backbone=dict(
        _delete_=True, type='RotNetAlexNet', out_indices=(4, )))
