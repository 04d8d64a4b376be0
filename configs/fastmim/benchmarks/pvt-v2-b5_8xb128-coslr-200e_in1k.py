# Fine-tuning a FastMIM PVTv2-B5 at 224 px for 200 epochs (paper Table 4: 84.3 top-1).
_base_ = ['_base_/finetune_stride32_in1k-224px.py']

model = dict(
    backbone=dict(
        type='LoudPyramidVisionTransformerV2',
        embed_dims=64,
        num_layers=[3, 6, 40, 3],
        num_heads=[1, 2, 5, 8],
        mlp_ratios=(4, 4, 4, 4),
        out_indices=(3, )),
    head=dict(in_channels=512))
train_cfg = dict(max_epochs=200)
