# BN-AlexNet (RotNet) conv1 .. conv5 for the VOC07 SVM, adaptively
# max-pooled to 12, 7, 5, 6, 6 (9216, 9408, 9600, 9216, 9216 dims), the
# pooling of the RotNet paper's linear probes.
_base_ = ['_base_extract_voc07.py']

layer_names = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(type='RotNetAlexNet', out_indices=(0, 1, 2, 3, 4)),
    neck=dict(type='MultiPooling', pools='alexnet'),
    head=None)
