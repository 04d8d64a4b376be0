# FastMIM PVTv2-B5 (mmdet's PyramidVisionTransformerV2), 128 px, HOG target, 800 epochs (paper
# Table 4: 84.3 top-1 after 200 fine-tuning epochs).
_base_ = ['_base_/fastmim_stride32_in1k-128px.py']

model = dict(
    backbone=dict(
        type='LoudPyramidVisionTransformerV2',
        embed_dims=64,
        num_layers=[3, 6, 40, 3],
        num_heads=[1, 2, 5, 8],
        mlp_ratios=(4, 4, 4, 4),
        out_indices=(3, ),
        drop_path_rate=0.0),
    neck=dict(in_channels=512))
