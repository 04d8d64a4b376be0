# MixMAE Swin-B/W14, 600 epochs, 75% (4 images): the paper's headline model
# (Table 2: 85.1 FT, 71.0 LIN; Table 4: 52.7 / 47.0 AP, 51.1 mIoU).
_base_ = './mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'

max_epochs = 600
warmup_epochs = 40
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
