# The official AET ImageNet schedule: batch 4 x 192, SGD Nesterov 0.9,
# wd 5e-4, lr 0.01 -> 0.001 @100 -> 1e-4 @150, 200 epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[100, 150], gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
auto_scale_lr = dict(base_batch_size=768, enable=False)
