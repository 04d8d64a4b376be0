# MixMAE Swin-B/W14, 300 epochs, 75% masking by mixing 4 images (paper Table 2: 84.8 FT,
# 63.8 LIN; Table 4: 52.3 AP box / 46.4 AP mask, 49.9 mIoU). Hyperparameters: Table 11.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/warmup40e-coslr.py',
    '../_base_/datasets/imagenet_bs512_mae.py',
    '_base_/mixmae_swin-base-w14.py',
]

model = dict(num_images=4, mix_mode='group')

# 8 GPUs x 128 = 1024 (paper A.1). A batch must split into groups of num_images.
train_dataloader = dict(
    batch_size=128,
    drop_last=True,
    dataset=dict(ann_file='meta/train.txt', data_prefix=dict(img_path='train/')))

# AdamW, lr = 1.5e-4 * batch / 256, betas (0.9, 0.95), wd 0.05 (Table 11); no decay on
# norms, biases and the [MASK] token, as the authors' code.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='FastAdamW', lr=1.5e-4 * 1024 / 256, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0, custom_keys={'mask_token': dict(decay_mult=0.0)}))

# 40 warm-up epochs, then cosine to the end (the shared schedule base).
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300)

default_hooks = dict(logger=dict(type='LoggerHook', interval=100))
randomness = dict(seed=0, diff_rank_seed=True)
# `tools/train.py --auto-scale-lr` rescales lr linearly for other total batch sizes.
auto_scale_lr = dict(base_batch_size=1024)
