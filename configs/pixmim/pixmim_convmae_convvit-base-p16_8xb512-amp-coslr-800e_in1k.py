# PixMIM on ConvMAE-Base (Liu et al., PixMIM, TMLR 2024; Table 2 "PixMIM_ConvMAE", 800 epochs):
# the ConvMAE recipe (Table 7: AdamW, blr 1.5e-4, wd 0.05, betas (0.9, 0.95), batch 4096,
# cosine, 40 warmup epochs) with the two PixMIM changes:
#   1. the decoder reconstructs a low-pass-filtered copy of the input (ideal circular filter,
#      radius 40 frequency bins at 224 px); norm_pix is applied after filtering;
#   2. SimpleResizedCrop (short side to 224, reflect-pad 4, random 224 crop, flip 0.5)
#      replaces RandomResizedCrop.
# The encoder input and masking are ConvMAE's.
_base_ = '../convmae/convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py'

model = dict(target_generator=dict(type='LowPassTargetGenerator', radius=40))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='SimpleResizedCrop', size=224, padding=4, flip_prob=0.5),
    dict(type='PackInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
