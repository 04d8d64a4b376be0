# PixMIM on MAE at small scale: the small-scale MAE baseline with PixMIM's two changes, the
# low-pass target (r = 40 frequency bins at 224 px, scaled to the 128 px input) and
# SimpleResizedCrop. For the representation benchmark.
_base_ = [
    '../baselines/mae_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-128px.py',
]

model = dict(
    type='PixMIM',
    target_generator=dict(
        type='LowPassTargetGenerator', radius=40, scale_radius_with_size=True, reference_size=224))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='SimpleResizedCrop',
        size=128,
        padding=4,
        flip_prob=0.5,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
