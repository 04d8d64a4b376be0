# PixMIM on MFF (multi-level feature fusion MAE), ViT-B/16, 800 epochs: the 300-epoch config
# with MMPretrain's 800-epoch MFF schedule
# (`mmpretrain::mff/mff_vit-base-p16_8xb512-amp-coslr-800e_in1k.py`), whose warm-up starts
# from 1e-9 of the lr (1e-4 at 300 epochs).
_base_ = './pixmim-mff_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
param_scheduler = [dict(_base_.param_scheduler[0], start_factor=1e-9), _base_.param_scheduler[1]]
