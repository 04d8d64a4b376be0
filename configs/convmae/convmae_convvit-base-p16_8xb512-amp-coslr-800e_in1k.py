# ConvMAE-Base pretraining on ImageNet-1k (Gao et al., NeurIPS 2022), as the PixMIM paper runs
# it: 800 epochs, total batch 4096 (the authors used 1024; PixMIM Sec. 5.1 raises it to 4096
# "to accelerate the pre-training", Table 7). Everything else is the authors' recipe
# (github.com/Alpha-VL/ConvMAE, PRETRAIN.md): AdamW, blr 1.5e-4 (lr = blr * batch / 256),
# betas (0.9, 0.95), weight decay 0.05, 40 warmup epochs then cosine, mask ratio 0.75,
# norm_pix loss, RandomResizedCrop(0.2-1.0) + flip, decoder 512-d x 8 blocks x 16 heads.
_base_ = [
    '../_base_/datasets/imagenet_bs512_mae.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/schedules/warmup40e-coslr.py',  # 40 warm-up epochs, cosine to max_epochs
]

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

model = dict(
    type='ConvMAE',
    backbone=dict(type='ConvMAEViT', arch='b', img_size=224, mask_ratio=0.75),
    neck=dict(
        type='ConvMAEPretrainDecoder',
        grid_size=14,  # 224 / 16
        patch_size=16,
        in_chans=3,
        embed_dim=768,
        decoder_embed_dim=512,
        decoder_depth=8,
        decoder_num_heads=16,
        mlp_ratio=4.),
    head=dict(
        type='MAEPretrainHead',
        norm_pix=True,
        patch_size=16,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    # The authors' init: xavier-uniform Linear, unit LayerNorm (convolutions keep PyTorch's).
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])

# 8 GPUs x 512 = 4096
train_dataloader = dict(batch_size=512)

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='FastAdamW', lr=1.5e-4 * 4096 / 256, betas=(0.9, 0.95), weight_decay=0.05),
    # As the authors (timm add_weight_decay): no decay on 1-D params (norms, biases).
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
        }))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3))
randomness = dict(seed=0, diff_rank_seed=True)
resume = True
auto_scale_lr = dict(base_batch_size=4096)
