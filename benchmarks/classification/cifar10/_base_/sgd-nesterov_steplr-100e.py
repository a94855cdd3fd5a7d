# The official schedule of the CIFAR-10 classifiers on RotNet features:
# SGD Nesterov, lr 0.1 -> 0.02 @35 -> 0.004 @70 -> 0.0008 @85, 100 epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(
        type='MultiStepLR', by_epoch=True, milestones=[35, 70, 85],
        gamma=0.2)
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
