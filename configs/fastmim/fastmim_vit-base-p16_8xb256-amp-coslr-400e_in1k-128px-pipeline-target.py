# FastMIM ViT-B/16, 128 px, 400 epochs, with the HOG target computed in the data pipeline:
# otherwise fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py unchanged. The target is
# the same HOG (a few exactly horizontal gradients may change bin on the model side by fp32
# rounding, see README.md), but the Sobel filters and histograms run in the dataloader
# workers, after the crop and flip, instead of on the accelerator. See README.md for when to
# choose which side.
_base_ = './fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py'

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
