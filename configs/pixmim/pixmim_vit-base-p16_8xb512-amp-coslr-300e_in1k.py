# PixMIM on MAE, ViT-B/16, 300 epochs (the paper's ablation schedule, Table 5).
# Everything is MMPretrain's MAE recipe, which already matches the paper's Table 7: AdamW,
# lr = 1.5e-4 * 4096 / 256, weight decay 0.05, betas (0.9, 0.95), batch 8 x 512 = 4096,
# 40 warmup epochs then cosine decay. PixMIM changes the target (low-pass, r = 40) and the
# pretraining crop (SimpleResizedCrop instead of RandomResizedCrop).
_base_ = [
    '_base_/mae_vit-base-p16_in1k.py',
    '../_base_/datasets/imagenet_bs512_pixmim.py',
]

# mean/std for the low-pass target are read from the data preprocessor at build time.
model = dict(type='PixMIM', target_generator=dict(type='LowPassTargetGenerator', radius=40))
