# FastMIM pretraining recipe shared by every backbone (paper Table 11 and Sec. 4):
# ImageNet-1K without labels at 128 x 128, AdamW lr = 1.5e-4 * batch / 256 with batch 2048,
# betas (0.9, 0.95), weight decay 0.05, 10 warm-up epochs then cosine decay, mask ratio 0.75.
# (The authors' README command uses batch 4096 and 20 warm-up epochs; Table 11 is kept.)
# Where the paper is silent this follows the authors' code (ggjy/FastMIM.pytorch):
# * RandomResizedCrop scale (0.2, 1.0) bicubic plus a horizontal flip (main_pretrain.py);
# * weight decay on every tensor but the 1-D ones and biases: timm's add_weight_decay,
#   called without a skip list, so the mask token, the class token and Swin's
#   relative-position tables are decayed (flat_decay_mult covers 1-D tensors such as
#   layer-scale factors; norm and bias multipliers the rest);
# * the model's init_style='official' (FastMIM's default): xavier_uniform Linear layers,
#   patch embedding and N(0, 0.02) class and mask tokens. `model.init_style='mmpretrain'`
#   with `backbone.init_cfg=mmpretrain_transformer_init` starts as MMPretrain does instead.
# A config sets `model` (backbone, decoder, mask unit), `train_cfg.max_epochs` and, for
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
    optimizer=dict(type='FastAdamW', lr=1.5e-4 * 2048 / 256, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0, flat_decay_mult=0.0))

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

# MMPretrain's initialisation of the transformer blocks, for `init_style='mmpretrain'`.
mmpretrain_transformer_init = [
    dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.),
    dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
]

default_hooks = dict(logger=dict(type='LoggerHook', interval=100))
randomness = dict(seed=0, diff_rank_seed=True)
auto_scale_lr = dict(base_batch_size=2048)
