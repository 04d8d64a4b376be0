# MixedAE ViT-L/16, compose, 1600 epochs (paper Table 6: 86.2 top-1, 54.0 mIoU,
# 54.6 AP box / 47.1 AP mask, 170.4 GPU-days vs MAE's 151.1). Same recipe as ViT-B with
# batch 2048 (Table 4): lr = 7.5e-5 x 2048 / 256 = 6e-4.
_base_ = './mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

model = dict(
    backbone=dict(arch='l'), neck=dict(in_channels=1024), contrastive_head=dict(in_channels=1024))

train_dataloader = dict(batch_size=256)
optim_wrapper = dict(optimizer=dict(lr=7.5e-5 * 2048 / 256))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1600)
auto_scale_lr = dict(base_batch_size=2048)
