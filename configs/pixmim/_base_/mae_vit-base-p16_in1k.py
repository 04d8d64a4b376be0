# MMPretrain's MAE ViT-B/16 recipe
# (`mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py`,
# which matches MAE's and PixMIM's Table 7) on local bases: MMPretrain's model and runtime,
# this package's data base (see `configs/_base_/datasets/imagenet_bs512_mae.py` for why the
# data is local). AdamW, lr = 1.5e-4 * 4096 / 256, weight decay 0.05, betas (0.9, 0.95),
# batch 8 x 512 = 4096, 40 warm-up epochs then cosine to `train_cfg.max_epochs`.
# A config adds the data (`imagenet_bs512_mae.py` or `imagenet_bs512_pixmim.py`) beside it.
_base_ = [
    'mmpretrain::_base_/models/mae_vit-base-p16.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../_base_/schedules/warmup40e-coslr.py',
]

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='FastAdamW', lr=1.5e-4 * 4096 / 256, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300)
# Only the latest 3 checkpoints; a restarted job resumes from the latest (as MMPretrain's MAE).
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
randomness = dict(seed=0, diff_rank_seed=True)
resume = True
auto_scale_lr = dict(base_batch_size=4096)
