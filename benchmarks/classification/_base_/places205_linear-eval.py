# Places205 in its released layout:
#   data/places205/data/vision/torralba/deeplearning/images256/a/abbey/...
#   data/places205/trainvalsplit_places205/{train,val}_places205.csv
_base_ = ['imagenet_linear-eval.py']

dataset_type = 'Places205'
data_root = 'data/places205/'
images = 'data/vision/torralba/deeplearning/images256'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_prefix=images,
        ann_file='trainvalsplit_places205/train_places205.csv',
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_prefix=images,
        ann_file='trainvalsplit_places205/val_places205.csv',
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
