# PixMIM on LSMAE ViT-B/16 at 448 px, 800 epochs, with the low-pass target computed in the data
# pipeline (dataloader workers) instead of the model; the transform takes the model-side
# generator's arguments (r = 40 at 224 px, scaled to 80 bins at 448 px). Otherwise
# pixmim_lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py unchanged.
_base_ = './pixmim_lsmae_vit-base-p16_8xb256-amp-coslr-800e_in1k-448px.py'

# The base's pipeline up to PackInputs (load, crop, flip), then the target with the model-side
# generator's arguments, after the last transform that changes the image.
train_pipeline = [
    *_base_.train_pipeline[:-1],
    dict(_base_.model.target_generator, type='LowPassTarget'),
    dict(type='PackInputs', algorithm_keys=['low_pass_target'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# Read the target from the data samples; mean/std/BGR->RGB come from the data preprocessor.
model = dict(target_generator=dict(_delete_=True, type='DataSampleTarget', key='low_pass_target'))

# Fails at start-up if the pipeline and the model disagree on where the target comes from.
custom_hooks = [*_base_.get('custom_hooks', []), dict(type='TargetSourceCheckHook')]
