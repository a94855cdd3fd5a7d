# ResNet-50 feature1 (stem) .. feature5 (stage 4) for the VOC07 SVM, pooled
# to 9216, 9216, 8192, 9216, 8192 dims (mmselfsup / FAIR protocol).
_base_ = ['_base_extract_voc07.py']

layer_names = ['feature1', 'feature2', 'feature3', 'feature4', 'feature5']
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNetWithStem', depth=50, out_indices=(0, 1, 2, 3, 4)),
    neck=dict(type='MultiPooling', pools='resnet50'),
    head=None)
