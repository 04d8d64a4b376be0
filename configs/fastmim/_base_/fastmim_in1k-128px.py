# FastMIM pretraining recipe shared by every backbone (paper Table 11 and Sec. 4):
# ImageNet-1K without labels at 128 x 128, AdamW lr = 1.5e-4 * batch / 256 with batch 2048,
# betas (0.9, 0.95), weight decay 0.05, 10 warm-up epochs then cosine decay, mask ratio 0.75.
# Not in the paper, from the authors' code: RandomResizedCrop scale (0.2, 1.0) bicubic plus a
# horizontal flip, no weight decay on norms, biases and the [MASK] token.
# A config sets `model` (backbone, decoder, mask block), `train_cfg.max_epochs` and, for
# another warm-up, `param_scheduler`.
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/imagenet_bs512_mae.py',
]

img_size = 128

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]

# 8 GPUs x 256 = 2048 (Table 11).
train_dataloader = dict(
    batch_size=256,
    drop_last=True,
    dataset=dict(
        ann_file='meta/train.txt', data_prefix=dict(img_path='train/'), pipeline=train_pipeline))

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='AdamW', lr=1.5e-4 * 2048 / 256, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'mask_token': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.0),
            'relative_position_bias_table': dict(decay_mult=0.0),
        }))

warmup_epochs = 10
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    # No `end`: the Runner ends the cosine at train_cfg.max_epochs.
    dict(
        type='CosineAnnealingLR',
        eta_min=0.0,
        by_epoch=True,
        begin=warmup_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=400)

# Transformer blocks start as in the official ViT/Swin code (paper A.3.2).
transformer_init = [
    dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.),
    dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
]

default_hooks = dict(logger=dict(type='LoggerHook', interval=100))
randomness = dict(seed=0, diff_rank_seed=True)
auto_scale_lr = dict(base_batch_size=2048)
