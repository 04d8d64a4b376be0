# ADE20K UperNet on a (PixMIM_)LSMAE ViT-B/16 pretrained at 448 px. PixMIM's Table 12 covers
# PixMIM_LSMAE with the same settings as PixMIM_MAE (AdamW lr 2e-4, layer decay 0.75, batch 16,
# 160k iterations, cosine, 1500 warmup, drop path 0.1, relative position bias on and
# zero-initialised), so this is that config; mmseg's MAE backbone resizes the checkpoint's 28x28
# position embedding to the 32x32 grid of 512 px crops when loading ``model.pretrained`` (a bare
# backbone state dict, see README.md).
_base_ = './benchmarks/upernet_vit-base-p16_8xb2-amp-160k_ade20k-512x512.py'

model = dict(pretrained='pretrain/pixmim_lsmae_vit-base-p16_backbone.pth')
