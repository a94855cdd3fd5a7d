# Semi-supervised CIFAR-10: conv classifier on frozen RotNet NIN block 2,
# trained on the first 100 labelled images of each class.
_base_ = 'nin-block2_conv-1xb128-steplr-100e_cifar10.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='KPerClassDataset',
        num_per_class=100,
        dataset={{_base_.train_dataloader.dataset}}))
