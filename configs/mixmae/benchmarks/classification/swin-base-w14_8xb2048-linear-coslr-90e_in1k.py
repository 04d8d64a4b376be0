# ImageNet-1K linear probing of a MixMAE Swin-B/W14 encoder (Table 2: 63.8 top-1 after 300
# pretraining epochs, 71.0 after 600).
#
# The paper states no linear-probing setting. We use MAE's protocol, as MMPretrain's MAE
# config does: frozen encoder, BatchNorm without affine parameters before a linear classifier,
# LARS with lr 0.1 * 16384 / 256 = 6.4, weight decay 0, momentum 0.9, batch 16384, 10 warmup
# epochs then cosine decay to 90 epochs, RandomResizedCrop + flip. The feature is the global
# average of the normed last-stage map (the fine-tuning feature; Swin has no class token).
_base_ = [
    '../../../_base_/default_runtime.py',
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
]

pretrained = 'work_dirs/mixmae_swin-base-w14_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='MixMAESwinTransformer',
        arch='base',
        img_size=224,
        window_size=(14, 14, 14, 7),
        out_indices=(3, ),
        frozen_stages=3,  # stem, all four stages and their output norm
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=[
        dict(type='GlobalAveragePooling'),
        dict(type='ClsBatchNormNeck', input_features=1024),
    ],
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
# 8 GPUs x 2048 = 16384.
train_dataloader = dict(
    batch_size=2048, drop_last=True, num_workers=10, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=256, drop_last=False)
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARS', lr=0.1 * 16384 / 256, weight_decay=0.0, momentum=0.9))

max_epochs = 90
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=10,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 10,
        eta_min=0.0,
        by_epoch=True,
        begin=10,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(interval=10, max_keep_ckpts=2, save_best='auto'))
randomness = dict(seed=0, diff_rank_seed=True)
auto_scale_lr = dict(base_batch_size=16384)
