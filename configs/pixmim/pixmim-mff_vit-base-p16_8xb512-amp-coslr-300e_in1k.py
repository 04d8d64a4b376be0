# PixMIM on MFF (multi-level feature fusion MAE), ViT-B/16, 300 epochs.
# MMPretrain's MFF recipe (MAE's Table 7 hyperparameters, fusion of layers 0, 2, 4, 6, 8, 11)
# with the low-pass target (r = 40) and SimpleResizedCrop (bicubic, reflect pad 4, flip 0.5).
_base_ = 'mmpretrain::mff/mff_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

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

model = dict(
    type='PixMIMMFF',
    target_generator=dict(type='LowPassTargetGenerator', radius=40))
