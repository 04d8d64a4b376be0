# MixedAE-Full* ViT-B/16, 300 epochs: full mixing with the light 2-layer, 256-d decoder that
# keeps the pretraining cost near BEiT's (paper Table 1: 83.7 top-1, 47.4 mIoU, 48.9 AP box,
# 30.8 GPU-days).
_base_ = './mixedae-full_vit-base-p16_8xb128-amp-coslr-300e_in1k.py'

model = dict(neck=dict(embed_dims=256, depth=2, num_heads=8))
