# VOC07 trainval/test in the devkit layout, as the SVM protocol reads them:
#   data/VOCdevkit/VOC2007/{JPEGImages,Annotations,ImageSets/Main}
# Images are resized (short side 256) and centre-cropped to 224.
_base_ = ['../../configs/_base_/default_runtime.py']

data_root = 'data/VOCdevkit/VOC2007/'
extract_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
extract_dataloaders = dict(
    trainval=dict(
        batch_size=32,
        num_workers=4,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(
            type='VOC',
            data_root=data_root,
            split='trainval',
            pipeline=extract_pipeline)),
    test=dict(
        batch_size=32,
        num_workers=4,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(
            type='VOC',
            data_root=data_root,
            split='test',
            pipeline=extract_pipeline)))
