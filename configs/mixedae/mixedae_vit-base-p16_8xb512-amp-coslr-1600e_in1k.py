# MixedAE ViT-B/16, compose, 1600 epochs (paper Table 1: 83.9 top-1, 49.8 mIoU,
# 51.5 AP box / 44.5 AP mask, 90.1 GPU-days vs MAE's 87.4; Table 2: 86.9 average over
# 11 transfer classification datasets).
_base_ = './mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1600)
