# The MixedAE ADE20K UperNet config shrunk for tests: a 4-block 32-d ViT/16 (features of
# blocks 1-4), a 16-channel UperNet, 64 px crops, 2 iterations. Everything else (the loud plain
# ViT, Feature2Pyramid, UperNet + auxiliary FCN head, the layer decay optimizer (tests swap AMP,
# GPU only, for fp32), warm-up + poly, sliding-window inference, mIoU) comes from the real
# config. Tests set `data_root` and the backbone checkpoint.
_base_ = [
    '../../../configs/mixedae/benchmarks/upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py'
]

data_root = 'data/generated_ade/'
crop_size = (64, 64)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64),
        img_size=64,
        out_indices=(0, 1, 2, 3),
        init_cfg=None),
    neck=dict(embed_dim=32),
    decode_head=dict(in_channels=[32, 32, 32, 32], channels=16),
    auxiliary_head=dict(in_channels=32, channels=16),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(43, 43)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(256, 64), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 80), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

# Validation (mIoU) runs once, after the last iteration.
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=2), visualization=dict(draw=False))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
