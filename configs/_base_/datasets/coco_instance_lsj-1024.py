# COCO instance segmentation with large-scale jitter (LSJ) at 1024 x 1024, the data of ViTDet
# and of Li et al.'s benchmarking recipe, as every LSJ Mask R-CNN config here uses it. It is
# mmdet's `common/lsj-100e_coco-instance.py` (inherited, not copied, so that its dicts keep
# `_scope_='mmdet'`; it also brings mmdet's runtime and an SGD schedule that a config
# replaces) with two changes:
# * no RepeatDataset: mmdet's base repeats the data 4 times per "epoch", here `max_epochs`
#   counts real epochs;
# * test images are resized (longer side) and padded to 1024 x 1024 like the training crops,
#   not resized to 1333 x 800.
# A config sets the batch (`train_dataloader.batch_size`, `num_workers`) and pads each batch
# to the crop size in its model (`BatchFixedSizePad` with `size=_base_.image_size`). The train
# pipeline is mmdet's, resolved at 1024: overriding `image_size` in a config does not change it.
_base_ = 'mmdet::common/lsj-100e_coco-instance.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CocoDataset',
        data_root='data/coco/',
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=_base_.train_pipeline))

test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='Resize', scale=_base_.image_size, keep_ratio=True),
    dict(type='Pad', size=_base_.image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
