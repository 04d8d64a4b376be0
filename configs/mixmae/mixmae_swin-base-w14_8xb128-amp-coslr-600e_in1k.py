# MixMAE Swin-B/W14, 600 epochs, 75% (4 images): the paper's headline model
# (Table 2: 85.1 FT, 71.0 LIN; Table 4: 52.7 / 47.0 AP, 51.1 mIoU).
_base_ = './mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=600)
