# ConvMAE-Base, 1600 epochs (the schedule of the authors' released checkpoint and of PixMIM
# Table 17); otherwise identical to the 800-epoch config.
_base_ = './convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py'

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1600)
