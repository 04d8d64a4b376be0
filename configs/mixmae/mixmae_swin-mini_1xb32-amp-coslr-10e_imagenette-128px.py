# MixMAE at small scale: Swin-mini (the demo's encoder: 32-256 channels, 1/1/2/1 blocks,
# windows 8) on 128 px
# Imagenette, 4 images mixed per input (75% masking, the paper's setting), the paper's
# decoder shape scaled down like every small-scale config (2 blocks x 128). For the
# representation benchmark (tools/analysis_tools/representation_benchmark.py): its kNN, linear
# probe and fine-tune are compared with MMPretrain's MAE and SimMIM at the same scale.
_base_ = [
    '../_base_/datasets/imagenette_bs32_128px.py',
    '../_base_/schedules/small-scale_adamw-warmup0.5e-coslr-10e.py',
]

model = dict(
    type='MixMAE',
    num_images=4,
    mix_mode='group',
    backbone=dict(
        type='MixMAESwinTransformer',
        arch='mini',
        img_size=128,
        window_size=(8, 8, 8, 4),
        mask_unit=32),
    neck=dict(type='MixMAEDecoder', in_channels=256, embed_dims=128, depth=2, num_heads=4),
    head=dict(
        type='MixMAEHead', norm_pix=True, loss=dict(type='PixelReconstructionLoss',
                                                    criterion='L2')))

# Paper Table 11: base lr 1.5e-4, betas (0.9, 0.95), wd 0.05; no decay on the [MASK] token.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'mask_token': dict(decay_mult=0.0)}))

custom_hooks = [dict(type='MixingBatchCheckHook'), dict(type='KNNEvalHook')]
