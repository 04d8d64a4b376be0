# ImageNet-1K linear probing of a PixMIM ViT-B/16 (paper Table 10; PixMIM_MAE and PixMIM_MFF).
# MMPretrain's MAE linear-probing recipe matches Table 10: LARS, lr = 0.1 * 16384 / 256 = 6.4,
# weight decay 0, momentum 0.9, batch 8 x 2048 = 16384, 10 warmup epochs, cosine decay,
# 90 epochs, frozen encoder with a BatchNorm (no affine) before the linear head.
# Augmentation is RandomResizedCrop (not SimpleResizedCrop: SRC is a pretraining-only change),
# bicubic as in MAE's linear probing, plus horizontal flip.
_base_ = 'mmpretrain::mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# NOTE: `auto_scale_lr` is for automatically scaling LR based on the actual training batch size.
auto_scale_lr = dict(base_batch_size=16384)
