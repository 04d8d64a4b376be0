# The MixedAE COCO Mask R-CNN config shrunk for tests: the PixMIM tiny config (2-block 64-d
# ViT/16, narrow pyramid and heads, generated data, 2 iterations, COCO evaluation) with the
# changes the real MixedAE config makes to the PixMIM one: the loud ViT, inputs of any size
# padded to a multiple of 32, multi-scale resizing (shorter side 96 or 128 px here), AdamW
# lr 1e-4 / wd 0.05 and a multi-step schedule. test_mixedae_transfer checks these against the
# real config. Tests set `data_root`, the annotation files and the backbone checkpoint.
_base_ = ['./mask-rcnn_vit-tiny-p16-sfp_1xb2-2iter_generated-coco.py']

model = dict(
    data_preprocessor=dict(pad_size_divisor=32, batch_augments=None),
    backbone=dict(type='mmpretrain.LoudVisionTransformer'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomChoiceResize', scales=[(200, 96), (200, 128)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(200, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-4, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=2, milestones=[1], gamma=0.1),
]
