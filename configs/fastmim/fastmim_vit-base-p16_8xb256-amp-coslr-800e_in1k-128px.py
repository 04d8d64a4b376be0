# FastMIM ViT-B/16, 128 px, HOG target, 800 epochs (paper Table 3 / Table 11: 83.8 top-1).
_base_ = ['fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py']

train_cfg = dict(max_epochs=800)
