# Fine-tuning a RotNet BN-AlexNet on the 10% ImageNet subset
# (meta/train_10percent.txt, written by
# tools/benchmarks/make_imagenet_subset.py). One grid point: set
# optim_wrapper.optimizer.lr and
# optim_wrapper.paramwise_cfg.custom_keys.head.lr_mult, or run
#   bash benchmarks/classification/semi_sup_grid.sh THIS PRETRAINED 4
_base_ = ['_base_bn-alexnet_semi-sup.py']

train_dataloader = dict(
    dataset=dict(split='', ann_file='meta/train_10percent.txt',
                 data_prefix='train'))
