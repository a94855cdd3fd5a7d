# The official RotNet CIFAR-10 schedule: SGD with Nesterov momentum,
# lr 0.1 -> 0.02 @60 -> 0.004 @120 -> 0.0008 @160, 200 epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(
        type='MultiStepLR', by_epoch=True, milestones=[60, 120, 160],
        gamma=0.2)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200, val_interval=20)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128, enable=False)
