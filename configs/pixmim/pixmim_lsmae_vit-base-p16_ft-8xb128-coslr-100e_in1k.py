# ImageNet-1k fine-tuning at 224 px of a (PixMIM_)LSMAE ViT-B/16 pretrained at 448 px, with
# the PixMIM paper's Table 9 values (AdamW, base lr 1e-3, lr = blr * 1024 / 256, layer decay
# 0.75, batch 1024, 100 epochs, 5 warmup, RandAug(9, 0.5), mixup 0.8, cutmix 1.0, label
# smoothing 0.1, drop path 0.1). The 28x28 position embedding of the checkpoint is resized to
# 14x14 on load by MMPretrain's VisionTransformer.
# NOTE: MAE's own ViT-B recipe (MMPretrain's base config) is blr 5e-4, layer decay 0.65.
_base_ = ['mmpretrain::mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py']

optim_wrapper = dict(
    optimizer=dict(lr=1e-3 * 1024 / 256), paramwise_cfg=dict(layer_decay_rate=0.75))
