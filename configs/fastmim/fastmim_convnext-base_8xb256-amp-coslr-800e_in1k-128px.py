# FastMIM ConvNeXt-B, 128 px, HOG target, 800 epochs (paper Table 4: 84.0 top-1 after 300
# fine-tuning epochs).
_base_ = ['_base_/fastmim_stride32_in1k-128px.py']

model = dict(
    backbone=dict(
        type='LoudConvNeXt',
        arch='base',
        out_indices=(3, ),
        gap_before_final_norm=False,
        drop_path_rate=0.0),
    neck=dict(in_channels=1024))
