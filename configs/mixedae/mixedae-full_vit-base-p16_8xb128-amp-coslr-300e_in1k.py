# MixedAE-Full ViT-B/16, 300 epochs: every group of 4 images is mixed 4 times with
# independent masks, so each image is encoded 4 times (paper Table 1: 83.8 top-1, 48.9 mIoU,
# 51.0 AP box / 44.1 AP mask, 62.3 GPU-days).
_base_ = './mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

model = dict(mix_mode='full')

# Batch 1024 clean images (8 x 128) = 1024 mixed encoder samples, as compose's 4096 images.
train_dataloader = dict(batch_size=128)
# 7.5e-5 x 1024 / 256 = 3e-4.
optim_wrapper = dict(optimizer=dict(lr=7.5e-5 * 1024 / 256))
auto_scale_lr = dict(base_batch_size=1024)
