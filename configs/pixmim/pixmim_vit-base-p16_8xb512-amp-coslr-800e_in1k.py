# PixMIM on MAE, ViT-B/16, 800 epochs (the paper's main schedule, Table 2).
# Same as the 300-epoch config; the schedule is MMPretrain's MAE 800-epoch one.
_base_ = './pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

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
        T_max=760,
        by_epoch=True,
        begin=40,
        end=800,
        convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
