# PixMIM on MAE, ViT-B/16, 800 epochs (the paper's main schedule, Table 2).
# Same as the 300-epoch config: 40 warm-up epochs, then cosine to epoch 800.
_base_ = './pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
