# MMPretrain's MAE at small scale, the baseline of the representation benchmark: ViT-mini/16
# (128 wide, 4 blocks, 4 heads) on 128 px Imagenette, 75% masking, normalised-pixel target,
# MAE's decoder scaled down like every small-scale config (2 blocks x 128).
_base_ = [
    '../_base_/datasets/imagenette_bs32_128px.py',
    '../_base_/schedules/small-scale_adamw-warmup0.5e-coslr-10e.py',
]

model = dict(
    type='MAE',
    backbone=dict(
        type='MAEViT',
        arch=dict(embed_dims=128, num_layers=4, num_heads=4, feedforward_channels=512),
        img_size=128,
        patch_size=16,
        mask_ratio=0.75),
    neck=dict(
        type='MAEPretrainDecoder',
        num_patches=64,
        patch_size=16,
        in_chans=3,
        embed_dim=128,
        decoder_embed_dim=128,
        decoder_depth=2,
        decoder_num_heads=4,
        mlp_ratio=4.),
    head=dict(
        type='MAEPretrainHead',
        norm_pix=True,
        patch_size=16,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])

# MAE (MMPretrain's recipe): base lr 1.5e-4, betas (0.9, 0.95), wd 0.05, no decay on norms,
# biases, position embedding, [MASK] and class tokens.
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))

custom_hooks = [dict(type='KNNEvalHook')]
