# MixMAE Swin-B/W14 with FastMIM's HOG target (32-px cells), 300 epochs, the HOG target
# computed in the data pipeline: otherwise mixmae-hog_swin-base-w14_8xb128-amp-coslr-300e_in1k.py
# unchanged. The target is the same HOG (a few exactly horizontal gradients may change bin on
# the model side by fp32 rounding, see ../fastmim/README.md), but the Sobel filters and
# histograms run in the dataloader workers, after the crop and flip, instead of on the
# accelerator. See README.md for when to choose which side.
_base_ = './mixmae-hog_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'

# The base's pipeline up to PackInputs (load, crop, flip), then the target with the model-side
# generator's arguments, after the last transform that changes the image. The loaded image is
# BGR; HOGTarget's to_rgb (default True) matches the data preprocessor's to_rgb=True.
train_pipeline = [
    *_base_.train_dataloader.dataset.pipeline[:-1],
    dict(_base_.model.target_generator, type='HOGTarget'),
    dict(type='PackInputs', algorithm_keys=['hog_target'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# Read the per-token features from the data samples as they are (no pixel normalisation).
model = dict(
    target_generator=dict(
        _delete_=True, type='DataSampleTarget', key='hog_target', pixel_space=False))

# Fails at start-up if the pipeline and the model disagree on the target's source, kind
# (features) or channel order.
custom_hooks = [*_base_.get('custom_hooks', []), dict(type='TargetSourceCheckHook')]
