# ImageNet-1K fine-tuning of a MixMAE Swin-B/W14 encoder (paper Table 12; Table 2: 84.8 top-1
# after 300 pretraining epochs, 85.1 after 600).
#
# Table 12: AdamW, base lr 5e-4 (lr = 5e-4 * 1024 / 256 = 2e-3), batch 1024, weight decay
# 0.05, betas (0.9, 0.999), layer-wise lr decay 0.7, cosine schedule, 5 warmup epochs, 100
# epochs (B), RandAug(9, 0.5), label smoothing 0.1, mixup 0.8, cutmix 1.0, drop path 0.15.
# Input 224 with the pretraining windows 14/14/14/7.
# Not in the paper, taken from the authors' fine-tuning script (MAE's recipe): random erasing
# 0.25, no weight decay on 1-D parameters (norms, biases), minimum lr 1e-6, global average
# pooling of the normed last stage. Layer ids for the decay: see
# mixmim_mm/engine/optimizers/layer_decay_constructor.py (MMPretrain's
# LearningRateDecayOptimWrapperConstructor reads them from MixMAESwinTransformer).
#
# Set the pretrained checkpoint (a MixMAE pretraining checkpoint, or any file
# tools/model_converters/* writes) with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/.../epoch_600.pth
_base_ = [
    '../../../_base_/default_runtime.py',
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
]

pretrained = 'work_dirs/mixmae_swin-base-w14_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='MixMAESwinTransformer',
        arch='base',
        img_size=224,
        window_size=(14, 14, 14, 7),
        drop_path_rate=0.15,
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)],
        cal_acc=False),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8),
                             dict(type='CutMix', alpha=1.0)]))

# 8 GPUs x 128 = 1024 (Table 12).
train_dataloader = dict(batch_size=128, num_workers=10, persistent_workers=True)
val_dataloader = dict(batch_size=128, num_workers=10, persistent_workers=True)
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='FastAdamW', lr=5e-4 * 1024 / 256, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='LearningRateDecayOptimWrapperConstructor',
    # No weight decay on 1-D parameters (norms, biases) and, as in Swin, on the relative
    # position bias tables.
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        flat_decay_mult=0.0,
        custom_keys={'relative_position_bias_table': dict(decay_mult=0.0)}))

max_epochs = 100
warmup_epochs = 5
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=1e-6,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    checkpoint=dict(interval=10, max_keep_ckpts=2, save_best='auto'))
randomness = dict(seed=0, diff_rank_seed=True)
auto_scale_lr = dict(base_batch_size=1024)
