# MixedAE at small scale: ViT-mini/16 (128 wide, 4 blocks, 4 heads) on 128 px Imagenette,
# compose mixing of 4 images (r = 0.25, the paper's default), homologous attention and
# contrastive loss; decoder 2 blocks x 128 like every small-scale config. For the
# representation benchmark (tools/analysis_tools/representation_benchmark.py).
_base_ = [
    '../_base_/datasets/imagenette_bs32_128px.py',
    '../_base_/schedules/small-scale_adamw-warmup0.5e-coslr-10e.py',
]

model = dict(
    type='MixedAE',
    num_images=4,
    mix_mode='compose',
    backbone=dict(
        type='MixedAEViT',
        arch=dict(embed_dims=128, num_layers=4, num_heads=4, feedforward_channels=512),
        img_size=128,
        patch_size=16,
        mask_unit=32,
        attention='topk',
        num_global_layers=1,
        segment_embed=True),
    neck=dict(type='MixMAEDecoder', in_channels=128, embed_dims=128, depth=2, num_heads=4),
    head=dict(
        type='MixMAEHead', norm_pix=True, loss=dict(type='PixelReconstructionLoss',
                                                    criterion='L2')),
    contrastive_head=dict(
        type='HomologousContrastiveHead',
        in_channels=128,
        proj_dims=128,
        temperature=0.25,
        loss_weight=0.1,
        positives='separate'))

# The paper's recipe for its shortest schedule (Sec. 4.4, the 300-epoch ablations): base lr
# 1.5e-4 per 256 clean images (Table 4's 7.5e-5 is the 800/1600-epoch recipe), betas
# (0.9, 0.95), wd 0.05; every other small-scale config scales its paper's lr the same way.
optim_wrapper = dict(
    optimizer=dict(lr=1.5e-4 * 32 / 256 * _base_.lr_scale),
    paramwise_cfg=dict(
        custom_keys={
            'pos_embed': dict(decay_mult=0.0),
            'cls_token': dict(decay_mult=0.0),
            'segment_embed': dict(decay_mult=0.0),
        }))

custom_hooks = [dict(type='MixingBatchCheckHook'), dict(type='KNNEvalHook')]
