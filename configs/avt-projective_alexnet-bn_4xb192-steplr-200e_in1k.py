# AVT (projective), BatchNorm AlexNet, ImageNet-1k: AET's encoder, data and
# schedule with the Gaussian decoder (mean and log-variance, NLL).
_base_ = ['aet-projective_alexnet-bn_4xb192-steplr-200e_in1k.py']

model = dict(type='AVT', head=dict(type='GaussianTransformDecoderHead'))
