# The official RotNet AlexNet schedule (ImageNet, Places205): SGD with
# Nesterov momentum, lr 0.01 -> 0.001 @15 -> 1e-4 @30 -> 1e-5 @45,
# 50 epochs (the paper's model reportedly stopped at 30).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(
        type='MultiStepLR', by_epoch=True, milestones=[15, 30, 45],
        gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50)
auto_scale_lr = dict(base_batch_size=192, enable=False)
