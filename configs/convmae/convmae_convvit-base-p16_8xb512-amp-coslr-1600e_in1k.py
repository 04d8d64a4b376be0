# ConvMAE-Base, 1600 epochs (the schedule of the authors' released checkpoint and of PixMIM
# Table 17); otherwise identical to the 800-epoch config.
_base_ = './convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k.py'

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-9,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=1560,
        by_epoch=True,
        begin=40,
        end=1600,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1600)
