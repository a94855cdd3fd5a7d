# FCN R50-D8 fine-tuned on VOC12aug train (10,582 images) for 20k
# iterations at 512x512 (4 GPUs x 4), mIoU on VOC12 val (published for
# RotNet R50: 64.31).
# Launch: bash tools/benchmarks/dist_train_transfer.sh THIS_CONFIG CKPT 4
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'
custom_imports = dict(imports=['mmselfsup_rot'], allow_failed_imports=False)

model = dict(
    # the base loads open-mmlab's ResNet-50 V1c; ours replaces it
    pretrained=None,
    backbone=dict(
        # mmseg's FCN uses ResNetV1c (three-conv "deep" stem); our
        # checkpoint has ResNet-50's single 7x7 stem, which loads only
        # into the plain ResNet (same dilations and strides: D8).
        type='ResNet',
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.')))
