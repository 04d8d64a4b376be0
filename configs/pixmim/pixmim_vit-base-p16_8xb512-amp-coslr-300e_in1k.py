# PixMIM on MAE, ViT-B/16, 300 epochs (the paper's ablation schedule, Table 5).
# Everything is MMPretrain's MAE recipe, which already matches the paper's Table 7: AdamW,
# lr = 1.5e-4 * 4096 / 256, weight decay 0.05, betas (0.9, 0.95), batch 8 x 512 = 4096,
# 40 warmup epochs then cosine decay. PixMIM changes the target (low-pass, r = 40) and the
# pretraining crop (SimpleResizedCrop instead of RandomResizedCrop).
_base_ = 'mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='SimpleResizedCrop',
        size=224,
        padding=4,
        flip_prob=0.5,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='PackInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# mean/std for the low-pass target are read from the data preprocessor at build time.
model = dict(
    type='PixMIM',
    target_generator=dict(type='LowPassTargetGenerator', radius=40))

# MAE's schedule (40 warm-up epochs, then cosine); the cosine has no `end`, so the Runner ends
# it at train_cfg.max_epochs and the 800-epoch config only changes max_epochs.
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=40,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=40,
         convert_to_iter_based=True),
]
