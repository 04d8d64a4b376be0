# ImageNet-1K end-to-end fine-tuning of a PixMIM ViT-B/16 (paper Table 9, "strictly follows MAE").
# MMPretrain's MAE fine-tuning recipe already has Table 9's augmentation and regularisation
# (RandAugment (9, 0.5), mixup 0.8, cutmix 1.0, label smoothing 0.1, drop path 0.1), AdamW with
# betas (0.9, 0.999) and weight decay 0.05, batch 8 x 128 = 1024, 5 warmup epochs, cosine decay,
# 100 epochs. Table 9 differs from it in the learning rate and layer decay: base lr 1e-3
# (lr = 1e-3 * 1024 / 256) and layer-wise decay 0.75. (MMPretrain's MAE config and the MMSelfSup
# PixMIM release use MAE's repository values instead: lr 2e-3, layer decay 0.65.)
# Usage: set the pretrained checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/.../epoch_800.pth
_base_ = 'mmpretrain::mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

optim_wrapper = dict(
    optimizer=dict(type='FastAdamW', lr=1e-3 * 1024 / 256),
    paramwise_cfg=dict(layer_decay_rate=0.75))

# NOTE: `auto_scale_lr` is for automatically scaling LR based on the actual training batch size.
auto_scale_lr = dict(base_batch_size=1024)
