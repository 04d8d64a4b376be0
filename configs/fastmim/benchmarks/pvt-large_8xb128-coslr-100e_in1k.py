# Fine-tuning a FastMIM PVTv1-L at 224 px for 100 epochs (paper Table 4: 82.9 top-1).
_base_ = ['_base_/finetune_stride32_in1k-224px.py']

model = dict(
    backbone=dict(
        type='LoudPyramidVisionTransformer',
        pretrain_img_size=224,
        embed_dims=64,
        num_layers=[3, 8, 27, 3],
        num_heads=[1, 2, 5, 8],
        out_indices=(3, )),
    head=dict(in_channels=512))
train_cfg = dict(max_epochs=100)
