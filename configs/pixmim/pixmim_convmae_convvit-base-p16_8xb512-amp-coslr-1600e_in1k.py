# PixMIM on ConvMAE-Base, 1600 epochs (PixMIM Table 17).
_base_ = './pixmim_convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py'

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1600)
