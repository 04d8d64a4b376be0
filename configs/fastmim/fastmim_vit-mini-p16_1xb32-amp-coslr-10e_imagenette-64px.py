# FastMIM at small scale: ViT-mini/16 (128 wide, 4 blocks, 4 heads) pretrained at half the
# evaluation resolution (64 px for 128 px evaluation, as FastMIM's 128 px for 224 px), HOG
# target (9 bins, 8 px cells, 2x2 cells x 3 channels = 108 per 16 px token), 75% masking in
# 16 px blocks, 1 decoder block (Table 16) of 128 like the other small-scale configs.
# kNN and linear probing encode 128 px images (the sin-cos position table is interpolated).
_base_ = [
    '../_base_/datasets/imagenette_bs32_128px.py',
    '../_base_/schedules/small-scale_adamw-warmup0.5e-coslr-10e.py',
]

model = dict(
    type='FastMIM',
    mask_ratio=0.75,
    mask_unit=16,
    # MMPretrain's initialisation and the weight-decay exemptions below: the settings the
    # README's representation benchmark measured (the ImageNet configs follow the authors'
    # code instead, see configs/fastmim/README.md).
    init_style='mmpretrain',
    backbone=dict(
        type='FastMIMViT',
        arch=dict(embed_dims=128, num_layers=4, num_heads=4, feedforward_channels=512),
        img_size=64,
        patch_size=16,
        out_type='raw'),
    neck=dict(type='FastMIMDecoder', in_channels=128, out_channels=108, embed_dims=128, depth=1),
    head=dict(type='FastMIMHead', patch_size=16),
    target_generator=dict(type='HOGTargetGenerator', token_stride=16, nbins=9, cell_size=8))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=64,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={
        'mask_token': dict(decay_mult=0.0),
        'pos_embed': dict(decay_mult=0.0),
    }))

custom_hooks = [dict(type='KNNEvalHook', img_size=128)]
