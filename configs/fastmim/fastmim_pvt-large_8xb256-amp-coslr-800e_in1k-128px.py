# FastMIM PVTv1-L (mmdet's PyramidVisionTransformer), 128 px, HOG target, 800 epochs (paper
# Table 4: 82.9 top-1 after 100 fine-tuning epochs).
_base_ = ['_base_/fastmim_stride32_in1k-128px.py']

model = dict(
    backbone=dict(
        type='LoudPyramidVisionTransformer',
        pretrain_img_size=128,
        embed_dims=64,
        num_layers=[3, 8, 27, 3],
        num_heads=[1, 2, 5, 8],
        out_indices=(3, ),
        drop_path_rate=0.0),
    neck=dict(in_channels=512))
