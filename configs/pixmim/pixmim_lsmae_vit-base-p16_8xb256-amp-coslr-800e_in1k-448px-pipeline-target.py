# PixMIM on LSMAE ViT-B/16 at 448 px, 800 epochs, with the low-pass target computed in the data
# pipeline (dataloader workers) instead of the model; the transform takes the model-side
# generator's arguments (r = 40 at 224 px, scaled to 80 bins at 448 px). Otherwise
# pixmim_lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py unchanged.
_base_ = './pixmim_lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='SimpleResizedCrop', size=448, padding=4, flip_prob=0.5),
    dict(type='LowPassTarget', radius=40, scale_radius_with_size=True, reference_size=224),
    dict(type='PackInputs', algorithm_keys=['low_pass_target'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

model = dict(target_generator=dict(_delete_=True, type='DataSampleTarget', key='low_pass_target'))
