# Linear probing at 224 px of a (PixMIM_)LSMAE ViT-B/16 pretrained at 448 px. PixMIM's
# Table 10 covers PixMIM_LSMAE with MAE's protocol (LARS, lr = 0.1 * 16384 / 256, weight decay
# 0, batch 16384, 10 warmup epochs, 90 epochs, RandomResizedCrop), i.e. the PixMIM_MAE config;
# the position embedding is resized to 224 px on load.
_base_ = './benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py'
