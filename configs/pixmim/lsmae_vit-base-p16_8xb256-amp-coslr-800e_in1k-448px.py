# Long-sequence MAE (LSMAE; Hu et al., "Exploring Long-Sequence Masked Autoencoders",
# arXiv:2210.07224) on ImageNet-1k, as the PixMIM paper reruns it (Table 2 "LSMAE*"; App. B.1:
# batch 2048 instead of the authors' 4096, everything else kept).
# From the authors' release (github.com/facebookresearch/long_seq_mae, PRETRAIN_LONG_SEQ_GPU.md
# and models_mae.py): ViT-B/16 pretrained on 448 px inputs (L = 28 x 28 = 784 tokens), masks
# drawn on 2x2 groups of patches (--mask_downsampling 2), mask ratio 0.75, norm_pix loss,
# RandomResizedCrop(0.2-1.0) + flip, AdamW blr 1.5e-4, wd 0.05, betas (0.9, 0.95), 40 warmup
# epochs + cosine, and a 384-d decoder with 8 blocks of 12 heads (the model is named
# "dec384d12h8b" but its code builds decoder_depth=8, decoder_num_heads=12). The encoder is
# then fine-tuned at 224 px (pixmim_lsmae_vit-base-p16_ft-8xb128-coslr-100e_in1k.py).
_base_ = [
    '_base_/mae_vit-base-p16_in1k.py',
    '../_base_/datasets/imagenet_bs512_mae.py',
]

img_size = 448

model = dict(
    backbone=dict(
        type='LSMAEViT', arch='b', img_size=img_size, patch_size=16, mask_ratio=0.75, mask_unit=32),
    neck=dict(
        num_patches=(img_size // 16)**2,
        embed_dim=768,
        decoder_embed_dim=384,
        decoder_depth=8,
        decoder_num_heads=12))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs')
]
# 8 GPUs x 256 = 2048 (PixMIM Table 8)
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))

# MMPretrain's 800-epoch MAE schedule: the warm-up starts from 1e-9 of the lr.
param_scheduler = [dict(_base_.param_scheduler[0], start_factor=1e-9), _base_.param_scheduler[1]]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
optim_wrapper = dict(optimizer=dict(lr=1.5e-4 * 2048 / 256))
auto_scale_lr = dict(base_batch_size=2048)
