# ADE20K semantic segmentation: UperNet with a MixMAE Swin-B encoder (paper section 4 and
# A.1, Table 4: 49.9 mIoU after 300 pretraining epochs, 51.1 after 600; 302 GFLOPs, 122M
# params).
#
# What the paper states: UperNet, batch 16, layer-wise lr decay 0.85, the detection windows
# (16x16, blocks 6, 12 and 18 of stage 3 at 32x32), "other settings from BEiT [4]", and
# 16K iterations. BEiT's recipe, which the paper says it reuses, trains 160K iterations, and
# 16K iterations at batch 16 would be only 256K images (about 12 passes over ADE20K's 20K
# training images), far below every UperNet recipe the paper compares with (MAE, BEiT,
# SimMIM all use 160K). We therefore ship 160K as the default and read "16K" as a likely typo;
# `--cfg-options train_cfg.max_iters=16000 param_scheduler.1.end=16000` runs the paper's
# number literally.
# Not stated, taken from BEiT / MAE's UperNet recipes (mmseg's `mae` config): 512x512 crops,
# AdamW with betas (0.9, 0.999), lr 1e-4, weight decay 0.05, 1500 warmup iterations then
# linear (poly 1.0) decay, drop path 0.1, sliding-window inference with 512 crops and stride
# 341. No weight decay on norms, biases, the relative position bias tables (as in Swin) and
# the (frozen) position embedding.
_base_ = [
    'mmseg::_base_/models/upernet_swin.py',
    '../../../_base_/datasets/ade20k_512x512.py',
    'mmseg::_base_/default_runtime.py',
    '../../../_base_/schedules/schedule_160k_adamw-poly.py',
]

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/mixmae_swin-base-w14_8xb128-amp-coslr-600e_in1k/epoch_600.pth'
crop_size = (512, 512)
stage3_windows = [32 if (j + 1) % 6 == 0 else 16 for j in range(18)]

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _delete_=True,
        type='MixMAESwinTransformer',
        arch='base',
        img_size=512,  # position-embedding grid; the 224 px table is resized on loading
        window_size=(16, 16, stage3_windows, 16),
        drop_path_rate=0.1,
        out_indices=(0, 1, 2, 3),
        with_cp=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    decode_head=dict(in_channels=[128, 256, 512, 1024], num_classes=150),
    auxiliary_head=dict(in_channels=512, num_classes=150),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))

# The base's AdamW (160K iterations, 1500 warm-up, poly decay, batch 8 GPUs x 2 = 16 as in
# paper A.1); no weight decay on Swin's position tables either.
optim_wrapper = dict(
    optimizer=dict(lr=1e-4),
    paramwise_cfg=dict(
        layer_decay_rate=0.85,
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.)
        }))
