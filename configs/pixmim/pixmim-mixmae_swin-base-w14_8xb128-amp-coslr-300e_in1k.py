# PixMIM on MixMAE: MixMAE Swin-B/W14, 300 epochs, 4 mixed images (75% masking), with PixMIM's
# two changes, the low-pass target (r = 40 frequency bins at 224 px) and SimpleResizedCrop.
# No paper trains this combination, so there are no reference numbers; everything apart from
# the target and the crop is the MixMAE recipe (paper Table 11), inherited unchanged.
_base_ = '../mixmae/mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'

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

# The filter reads mean/std from the data preprocessor at build time. MixMAE's head applies
# norm_pix per 32 x 32 mask cell after the filter, as PixMIM does with MAE's 16 x 16 patches.
model = dict(target_generator=dict(type='LowPassTargetGenerator', radius=40))
