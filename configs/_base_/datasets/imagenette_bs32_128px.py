# Small-scale pretraining data: a labelled image folder in MMPretrain's CustomDataset layout
# (`meta/train.txt` lines "<class>/<file> <label>" and `train/<class>/*`), 128 px crops.
# Imagenette (10 ImageNet classes, github.com/fastai/imagenette; see README) by default;
# another folder is one option: --cfg-options train_dataloader.dataset.data_root=DIR
# (KNNEvalHook reads the same root unless given its own). The labels are not used for
# pretraining; LabelledImageFolder checks at build time that every listed image exists.
dataset_type = 'LabelledImageFolder'
data_root = 'data/imagenette2-128/'
img_size = 128
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

# MAE's augmentation (RandomResizedCrop 0.2-1, flip); a method with its own crop sets its own.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='train/',
        pipeline=train_pipeline))
