# FastMIM-P ViT-L/16: progressive resolution 128/160/192 px for 500/200/100 epochs, HOG
# target, 800 epochs (paper Sec. 4.2, Table 3: 85.7 top-1; FastMIM at a fixed 128 px: 85.1).
# The sin-cos position table is regenerated for each phase's grid (8x8, 10x10, 12x12).
# Decoder 8 blocks x 512 (Table 16). Table 11 has no ViT-L column: ViT-B's recipe is used.
_base_ = ['fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py']

model = dict(backbone=dict(arch='large'), neck=dict(in_channels=1024, embed_dims=512, depth=8))

train_cfg = dict(max_epochs=800)

custom_hooks = [
    dict(
        type='ProgressiveResolutionHook',
        phases=[
            dict(img_size=128, epochs=500),
            dict(img_size=160, epochs=200),
            dict(img_size=192, epochs=100)
        ]),
]
