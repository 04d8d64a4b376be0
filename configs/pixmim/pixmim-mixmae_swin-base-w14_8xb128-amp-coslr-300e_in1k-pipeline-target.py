# PixMIM on MixMAE Swin-B/W14, 300 epochs, with the low-pass target computed in the data
# pipeline (dataloader workers) instead of the model; otherwise
# pixmim-mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py unchanged.
_base_ = './pixmim-mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='SimpleResizedCrop',
        size=224,
        padding=4,
        flip_prob=0.5,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='LowPassTarget', radius=40),
    dict(type='PackInputs', algorithm_keys=['low_pass_target'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

model = dict(target_generator=dict(_delete_=True, type='DataSampleTarget', key='low_pass_target'))
