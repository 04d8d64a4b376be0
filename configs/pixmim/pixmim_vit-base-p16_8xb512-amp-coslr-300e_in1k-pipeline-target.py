# PixMIM on MAE, ViT-B/16, 300 epochs, with the low-pass target computed in the data pipeline:
# the same training as pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k.py (the target equals
# the model-side one up to fp32 rounding), but the FFT runs in the dataloader workers, after
# the crop and flip, instead of on the accelerator. See README.md for when to choose which.
_base_ = './pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

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
