# ImageNet-1k without labels for MAE-style pretraining: MMPretrain's
# `_base_/datasets/imagenet_bs512_mae.py` settings (RandomResizedCrop 0.2-1.0 at 224, bicubic,
# flip 0.5, batch 512 per GPU), kept here so that every pretraining config inherits a local
# base. A base loaded as `mmpretrain::...` gets `_scope_='mmpretrain'` on every dict with a
# `type`, and mmengine's Runner calls the collate function with the rest of its dict
# (`partial(default_collate, _scope_=...)`), which fails at the first batch.
#
# Expects the ImageNet layout under `data_root`: `meta/train.txt` ("<class>/<file> <label>"
# per line) with `train/<class>/*.JPEG`, or only the class folders.
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=512,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline))
