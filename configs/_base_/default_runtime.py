# Runtime shared by every config of the project.
default_scope = 'mmpretrain'
# Register this plugin's modules into mmpretrain's registries.
custom_imports = dict(imports=['mmselfsup_rot'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)

# Reseed the RNGs each epoch so that resumed runs reproduce uninterrupted
# ones exactly (mmengine does not checkpoint RNG states).
# Stop at the first NaN/inf loss; count and limit unreadable images.
# Stop before the first iteration if a rotation transform or metric states
# another rotation set than the model.
custom_hooks = [
    dict(type='EpochSeedHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='BadImageHook', max_bad_fraction=0.01),
    dict(type='RotationSetHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
log_processor = dict(window_size=10)
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
