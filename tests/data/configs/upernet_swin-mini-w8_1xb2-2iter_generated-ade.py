# The ADE20K UperNet benchmark config shrunk for tests: a mini MixMAE encoder (32 channels,
# windows 8 with a per-block override in stage 3), a 16-channel UperNet, 64 px crops,
# 2 iterations. Everything else (UperNet + auxiliary FCN head, the layer decay optimizer, the
# warmup + poly schedule, sliding-window inference, mIoU) comes from the real config.
# Tests set `data_root` (a generated ADE20K-style folder) and the backbone checkpoint.
_base_ = [
    '../../../configs/mixmae/benchmarks/mmsegmentation/'
    'upernet_swin-base-w16_8xb2-160k_ade20k-512x512.py'
]

data_root = 'data/generated_ade/'
crop_size = (64, 64)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        arch='mini', img_size=128, window_size=(8, 8, [4, 8], 4), drop_path_rate=0.1,
        init_cfg=None),
    decode_head=dict(in_channels=[32, 64, 128, 256], channels=16),
    auxiliary_head=dict(in_channels=128, channels=16),
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
