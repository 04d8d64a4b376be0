# FastMIM ConvNeXt V2-B (ConvNeXt with GRN, no layer scale), 128 px, HOG target, 800 epochs
# (paper Table 4, 300 fine-tuning epochs; the row is damaged in our copy of the paper and
# reads "84.0 (+0."; unverified).
_base_ = ['_base_/fastmim_stride32_in1k-128px.py']

model = dict(
    backbone=dict(
        type='LoudConvNeXt',
        arch='base',
        use_grn=True,
        layer_scale_init_value=0.,
        out_indices=(3, ),
        gap_before_final_norm=False,
        drop_path_rate=0.0),
    neck=dict(in_channels=1024))
