# Fine-tuning: RotNet NIN blocks 1-2 and the conv classifier, all trained
# (the paper's "fine-tuned" row). Launch with the RotNet checkpoint:
#   python tools/train.py <this> --cfg-options \
#       model.backbone.init_cfg.checkpoint=PATH
_base_ = 'nin-block2_conv-1xb128-steplr-100e_cifar10.py'

model = dict(backbone=dict(frozen_stages=-1, norm_eval=False))
