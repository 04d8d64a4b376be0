# MixMAE Swin-L/W14, 600 epochs, 75% (4 images). Paper: 85.9 FT (Table 3, 50 FT epochs),
# 35.8 GFLOPs (Table 5), 54.3 / 48.2 AP and 53.8 mIoU (Table 4).
_base_ = './mixmae_swin-base-w14_8xb128-amp-coslr-600e_in1k.py'

model = dict(backbone=dict(arch='large'), neck=dict(in_channels=1536))
