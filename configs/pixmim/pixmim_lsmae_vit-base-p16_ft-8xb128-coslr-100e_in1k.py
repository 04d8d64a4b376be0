# ImageNet-1k fine-tuning at 224 px of a (PixMIM_)LSMAE ViT-B/16 pretrained at 448 px. PixMIM's
# Table 9 is shared by all four hosts, so this is the PixMIM_MAE fine-tuning config (AdamW,
# lr = 1e-3 * 1024 / 256, layer decay 0.75, batch 1024, 100 epochs, 5 warmup, RandAug(9, 0.5),
# mixup 0.8, cutmix 1.0, label smoothing 0.1, drop path 0.1); MMPretrain's VisionTransformer
# resizes the checkpoint's 28x28 position embedding to 14x14 on load.
_base_ = './benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py'
