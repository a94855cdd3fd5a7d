# iNaturalist 2018 in its released layout:
#   data/inat18/{train2018,val2018}.json + data/inat18/train_val2018/...
_base_ = ['imagenet_linear-eval.py']

dataset_type = 'INaturalist2018'
data_root = 'data/inat18/'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='train2018.json',
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='val2018.json',
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
