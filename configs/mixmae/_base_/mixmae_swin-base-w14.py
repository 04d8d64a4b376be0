# MixMAE with the Swin-B/W14 encoder (paper section 3, Table 2): patch 4, windows
# 14/14/14/7 without shift, masked self-attention, a 512-d 8-block decoder predicting
# 32x32x3 per mask cell, normalised-pixel L2 loss on the cells each image lost.
model = dict(
    type='MixMAE',
    num_images=4,  # masking ratio 1 - 1/4 = 75%, the paper's main setting
    mix_mode='group',
    backbone=dict(
        type='MixMAESwinTransformer',
        arch='base',
        img_size=224,
        window_size=(14, 14, 14, 7),
        mask_unit=32,
        drop_path_rate=0.0),
    neck=dict(type='MixMAEDecoder', in_channels=1024, embed_dims=512, depth=8, num_heads=16),
    head=dict(
        type='MixMAEHead', norm_pix=True, loss=dict(type='PixelReconstructionLoss',
                                                    criterion='L2')))

# Fails at start-up if a batch could not be split into groups of num_images.
custom_hooks = [dict(type='MixingBatchCheckHook')]
