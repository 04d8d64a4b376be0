# PixMIM on MFF (multi-level feature fusion MAE), ViT-B/16, 300 epochs.
# MMPretrain's MFF recipe (`mmpretrain::mff/mff_vit-base-p16_8xb512-amp-coslr-300e_in1k.py`:
# MAE's Table 7 hyperparameters, fusion of layers 0, 2, 4, 6, 8, 11, seed 2) with the
# low-pass target (r = 40) and SimpleResizedCrop (bicubic, reflect pad 4, flip 0.5).
_base_ = [
    '_base_/mae_vit-base-p16_in1k.py',
    '../_base_/datasets/imagenet_bs512_pixmim.py',
]

model = dict(
    type='PixMIMMFF',
    backbone=dict(type='MFFViT', out_indices=[0, 2, 4, 6, 8, 11]),
    target_generator=dict(type='LowPassTargetGenerator', radius=40))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300)
randomness = dict(seed=2, diff_rank_seed=True)
