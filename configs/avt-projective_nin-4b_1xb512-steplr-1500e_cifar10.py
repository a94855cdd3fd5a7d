# AVT (projective), NIN 4 blocks, CIFAR-10: AET's encoder and data, with a
# decoder predicting the mean and log-variance of the 8 parameters, trained
# by their negative log-likelihood. AET's CIFAR-10 schedule.
_base_ = ['aet-projective_nin-4b_1xb512-steplr-1500e_cifar10.py']

model = dict(type='AVT', head=dict(type='GaussianTransformDecoderHead'))
