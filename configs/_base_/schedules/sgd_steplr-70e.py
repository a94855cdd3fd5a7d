# SGD with linear warm-up and steps at epochs 30 and 50 (mmselfsup recipe).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4))

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[30, 50], gamma=0.1)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=70)
# The reference recipe was tuned for 8 GPUs x 16 images (x4 rotations).
auto_scale_lr = dict(base_batch_size=128, enable=False)
