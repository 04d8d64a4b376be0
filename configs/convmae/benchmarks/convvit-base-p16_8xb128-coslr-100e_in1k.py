# ImageNet-1k fine-tuning of a ConvMAE-Base checkpoint with the authors' recipe
# (github.com/Alpha-VL/ConvMAE, FINETUNE.md): 100 epochs, total batch 1024, AdamW with
# blr 5e-4 (lr = blr * 1024 / 256 = 2e-3), layer decay 0.65, weight decay 0.05, drop path 0.1,
# RandAug(9, 0.5), random erasing 0.25, mixup 0.8, cutmix 1.0, label smoothing 0.1, global
# average pooling + fc_norm. This is MAE's ViT-B fine-tuning recipe, so the MMPretrain MAE
# benchmark config supplies the data pipeline and schedule; only the backbone changes.
# Set the checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_800.pth
_base_ = ['mmpretrain::mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py']

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='ConvMAEViT',
        arch='b',
        img_size=224,
        drop_path_rate=0.1,
        with_fusion=False,
        learnable_pos_embed=True,
        out_type='avg_featmap',
        final_norm=False,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    head=dict(in_channels=768))

optim_wrapper = dict(
    optimizer=dict(type='FastAdamW', lr=5e-4 * 1024 / 256),
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        # All 1-D parameters (norms, biases) without weight decay, as the authors.
        flat_decay_mult=0.0))
