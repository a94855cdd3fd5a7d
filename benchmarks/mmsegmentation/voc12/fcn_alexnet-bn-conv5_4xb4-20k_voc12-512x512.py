# FCN with the RotNet BN-AlexNet on VOC12 (the paper's setting: train
# 1,464 images -> val, mIoU; paper: 39.1). An FCN-32s-like head on conv5
# (stride 16): two 3x3 convs (512 channels, the convolutional counterpart
# of fc6/fc7), dropout and a 1x1 classifier, upsampled to the input.
# 20k iterations on 512x512 crops, 4 GPUs x 4.
# Launch: bash tools/benchmarks/dist_train_transfer.sh THIS_CONFIG CKPT 4
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    'mmseg::_base_/datasets/pascal_voc12.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py',
]
custom_imports = dict(imports=['mmselfsup_rot'], allow_failed_imports=False)

crop_size = (512, 512)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmpretrain.RotNetAlexNet',
        out_indices=(4, ),  # conv5, before pool5
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.')),
    decode_head=dict(
        in_channels=256,
        in_index=0,
        channels=512,
        num_convs=2,
        concat_input=False,
        num_classes=21),
    auxiliary_head=None)
# the pretext task's fc6/fc7 have no counterpart in the segmentor
pretrained_check = dict(allow_unused=[r'^fc_block\.'])
