# FastMIM ViT-B/16 as the authors' pretraining code builds it (mim_vit_pretrain.py,
# mim_vit_base: 6 heads of 128 channels instead of the standard 12 of 64); everything else as
# fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py. The paper describes a standard
# ViT-B and fine-tunes with 12 heads: the weight shapes do not depend on the head count (the
# heads only split the qkv projection), so the fine-tuning configs load every weight of this
# checkpoint unchanged.
_base_ = ['fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py']

model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True, embed_dims=768, num_layers=12, num_heads=6, feedforward_channels=3072)))
