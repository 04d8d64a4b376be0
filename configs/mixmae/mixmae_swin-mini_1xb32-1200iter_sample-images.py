# Demo (README's first command, `bash tools/run_demo.sh`): pretrain a mini MixMAE (the structure
# of Swin-B/W14 with tiny widths) for about 4 minutes on 2 CPU cores, on the photographs bundled
# with scikit-image (nothing is downloaded). The loss falls from about 1.0 to about 0.73.
# Same 1200 iterations in less time with bf16 autocast where the CPU has native bf16 (see
# optim_wrapper; the model's train step took 0.89x its fp32 time on 2 cores: tiny widths gain
# less from bf16 than Swin-B); `tools/train.py --fp32` trains it in fp32.
# Point it at your own images with one option:
#   --cfg-options train_dataloader.dataset.data_root=/path/to/images
_base_ = ['../_base_/default_runtime.py']

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

img_size = 128  # 4x4 mask units of 32 px; stage maps 32/16/8/4
num_images = 4  # 75% masking: each mixed input shows 1/4 of each of 4 images
batch_size = 32  # 8 mixed inputs per step
max_iters = 1200  # about 0.18 s per iteration on 2 CPU cores

data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    # Each photo is decoded once per worker and kept in memory (pillow: cv2's libpng warns
    # about two of the bundled PNGs); a big folder simply overflows the cache budget.
    dict(type='CachedLoadImageFromFile', imdecode_backend='pillow', max_cache_mb=512),
    # cv2 'area' downscaling is several times cheaper than pillow bicubic on large photos.
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.2, 1.0),
        backend='cv2',
        interpolation='area'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ImageFolderViews',
        data_root=None,  # None: scikit-image's sample photographs; or any image folder
        views_per_image=64,
        pipeline=train_pipeline))

model = dict(
    type='MixMAE',
    num_images=num_images,
    mix_mode='group',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='MixMAESwinTransformer',
        arch='mini',
        img_size=img_size,
        patch_size=4,
        window_size=[8, 8, 8, 4],
        mask_unit=32),
    neck=dict(
        type='MixMAEDecoder',
        in_channels=256,  # mini: 32 * 2**3
        embed_dims=128,
        depth=2,
        num_heads=4,
        patch_size=32),
    head=dict(
        type='MixMAEHead',
        loss=dict(type='PixelReconstructionLoss', criterion='L2'),
        norm_pix=True,
        patch_size=32))

# bf16 autocast where the CPU supports it (fp32 otherwise, or with tools/train.py --fp32);
# fp16 AMP with loss scaling on a GPU.
optim_wrapper = dict(
    type='MixedPrecisionOptimWrapper',
    optimizer=dict(type='FastAdamW', lr=1e-3, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
        }))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=50, end=max_iters),
]

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    # One checkpoint at the end, written atomically so a crash never leaves a corrupt file.
    checkpoint=dict(
        type='AtomicCheckpointHook',
        by_epoch=False,
        interval=max_iters,
        max_keep_ckpts=1,
        backend_args=dict(backend='atomic_local')),
)

# work_dir/reconstructions/iter_XXXXXX.png: the same 16 crops (4 mixed inputs) every 200 iters.
custom_hooks = [
    dict(type='MixingBatchCheckHook'),  # an ungroupable batch fails at start-up
    dict(type='MixMAEReconstructionHook', interval=200, num_images=16),
]

log_processor = dict(by_epoch=False, window_size=10)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
