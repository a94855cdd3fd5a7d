# Places205 in its released layout, read by mmpretrain's Places205 (the
# same files as the benchmarks/classification/places205 configs):
#   data/places205/data/vision/torralba/deeplearning/images256/a/abbey/...
#   data/places205/trainvalsplit_places205/{train,val}_places205.csv
#   (`a/abbey/xxx.jpg label` per line).
# Same pipelines and loaders as ImageNet (imagenet_rotation-pred.py):
# RandomResizedCrop 224, the flip and the rotations on the device;
# `tools/test.py` measures the rotation accuracy on the val split.
_base_ = ['imagenet_rotation-pred.py']

dataset_type = 'Places205'
data_root = 'data/places205/'
images = 'data/vision/torralba/deeplearning/images256'

train_dataloader = dict(
    batch_size=192,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='trainvalsplit_places205/train_places205.csv',
        data_prefix=images,
        pipeline={{_base_.train_pipeline}}))
test_dataloader = dict(
    batch_size=192,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='trainvalsplit_places205/val_places205.csv',
        data_prefix=images,
        pipeline={{_base_.test_pipeline}}))
