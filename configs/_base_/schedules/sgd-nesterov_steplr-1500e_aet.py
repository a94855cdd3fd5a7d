# The official AET CIFAR-10 schedule: SGD Nesterov 0.9, lr 0.1, wd 5e-4;
# x0.2 at epochs 240, 480, 640 and 800, then a linear decay from epoch 1000
# to about 1e-5 at 1500.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=True,
        milestones=[240, 480, 640, 800],
        gamma=0.2),
    # 0.1 * 0.0016 - 0.1 * 3e-6 * (epoch - 999): about 6% left at 1500
    dict(
        type='LinearLR',
        by_epoch=True,
        begin=1000,
        end=1500,
        start_factor=1.0,
        end_factor=0.0606),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1500)
auto_scale_lr = dict(base_batch_size=512, enable=False)
