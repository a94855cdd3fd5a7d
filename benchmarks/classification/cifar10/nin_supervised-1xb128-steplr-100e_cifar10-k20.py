# Semi-supervised CIFAR-10 baseline: supervised NIN trained on the first 20
# labelled images of each class.
_base_ = 'nin_supervised-1xb128-steplr-100e_cifar10.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='KPerClassDataset',
        num_per_class=20,
        dataset={{_base_.train_dataloader.dataset}}))
