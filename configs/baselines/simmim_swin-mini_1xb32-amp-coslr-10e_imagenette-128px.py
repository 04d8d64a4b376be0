# MMPretrain's SimMIM at small scale, the second baseline of the representation benchmark:
# Swin-mini (the MixMAE small-scale encoder's shape) on 128 px Imagenette, 32 px mask patches
# at 60% (the paper's setting), linear decoder, L1 loss on masked pixels, SimMIM's own crop
# (RandomResizedCrop 0.67-1).
_base_ = [
    '../_base_/datasets/imagenette_bs32_128px.py',
    '../_base_/schedules/small-scale_adamw-warmup0.5e-coslr-10e.py',
]

model = dict(
    type='SimMIM',
    backbone=dict(
        type='SimMIMSwinTransformer',
        arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]),
        img_size=128,
        # Windows 8 / 8 / 8 / 4 over stage maps 32 / 16 / 8 / 4, as the MixMAE small-scale
        # encoder.
        stage_cfgs=[dict(block_cfgs=dict(window_size=w)) for w in (8, 8, 8, 4)]),
    neck=dict(type='SimMIMLinearDecoder', in_channels=256, encoder_stride=32),
    head=dict(
        type='SimMIMHead',
        patch_size=4,
        loss=dict(type='PixelReconstructionLoss', criterion='L1', channel=3)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=128, crop_ratio_range=(0.67, 1.0)),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='SimMIMMaskGenerator',
        input_size=128,
        mask_patch_size=32,
        model_patch_size=4,
        mask_ratio=0.6),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# SimMIM (MMPretrain's recipe): base lr 2e-4 per 512 images, betas (0.9, 0.999), wd 0.05,
# gradient clipping at 5, no decay on norms, biases, position tables.
optim_wrapper = dict(
    optimizer=dict(lr=2e-4 * 32 / 512 * _base_.lr_scale, betas=(0.9, 0.999)),
    clip_grad=dict(max_norm=5.0),
    paramwise_cfg=dict(custom_keys={
        'absolute_pos_embed': dict(decay_mult=0.),
        'relative_position_bias_table': dict(decay_mult=0.)
    }))

custom_hooks = [dict(type='KNNEvalHook')]
