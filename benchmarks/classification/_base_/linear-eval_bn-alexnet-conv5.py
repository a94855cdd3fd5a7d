# Linear evaluation (AvgPool) of a RotNet BN-AlexNet: frozen backbone in
# eval mode, global average pooling of conv5 + Linear(256, C). The
# optimisation follows the RotNet paper's linear probes (batch 192, SGD
# nesterov momentum 0.9, wd 5e-4, lr 0.01 x 0.2 at epochs 5, 15, 25; 35
# epochs). The paper's own per-layer probes (conv1..conv5 max-pooled to
# about 9k dims) are the multi-head-linear_bn-alexnet configs.
_base_ = ['linear-eval_resnet50.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='RotNetAlexNet',
        out_indices=(4, ),
        frozen_stages=5,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    head=dict(in_channels=256))
optim_wrapper = dict(
    optimizer=dict(lr=0.01, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(
        type='MultiStepLR', by_epoch=True, milestones=[5, 15, 25], gamma=0.2)
]
train_cfg = dict(max_epochs=35, val_interval=5)
