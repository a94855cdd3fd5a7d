# FCN R50-D8 fine-tuned on Cityscapes train (2,975 images) for 40k
# iterations on 769x769 crops (4 GPUs x 2), sliding-window mIoU on val.
# No published RotNet figure for Cityscapes.
# Launch: bash tools/benchmarks/dist_train_transfer.sh THIS_CONFIG CKPT 4
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py'
custom_imports = dict(imports=['mmselfsup_rot'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    backbone=dict(
        # plain 7x7 stem, as pretrained (mmseg's base uses ResNetV1c)
        type='ResNet',
        init_cfg=dict(type='Pretrained', checkpoint=None, prefix='backbone.')))
