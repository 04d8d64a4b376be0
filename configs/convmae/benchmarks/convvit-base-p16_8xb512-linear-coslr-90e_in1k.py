# Linear probing of a ConvMAE-Base checkpoint (PixMIM Table 11, "following the official
# setting" of ConvMAE): LARS, blr 0.1 (lr = 0.1 * 4096 / 256), no weight decay, momentum 0.9,
# total batch 4096, 10 warmup epochs, cosine, 90 epochs, RandomResizedCrop. As in MAE, a
# BatchNorm without affine precedes the linear classifier. ConvMAE has no class token, so the
# frozen encoder's features are the average of its (final-normed) stage-3 tokens.
_base_ = ['mmpretrain::mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py']

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

# RandomResizedCrop (bicubic, as MAE's and ConvMAE's linear probing) + flip.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
# 8 GPUs x 512 = 4096
train_dataloader = dict(batch_size=512, dataset=dict(pipeline=train_pipeline))

model = dict(
    backbone=dict(
        _delete_=True,
        type='ConvMAEViT',
        arch='b',
        img_size=224,
        with_fusion=False,
        frozen_stages=3,
        out_type='avg_featmap',
        final_norm=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

optim_wrapper = dict(optimizer=dict(lr=0.1 * 4096 / 256))
auto_scale_lr = dict(base_batch_size=4096)
