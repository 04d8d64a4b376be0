# FastMIM Twins-SVT-L (Table 4's "Twins-L", 99M parameters), 128 px, HOG target, 800 epochs
# (paper Table 4: 84.0 top-1 after 100 fine-tuning epochs).
_base_ = ['_base_/fastmim_stride32_in1k-128px.py']

model = dict(
    backbone=dict(type='LoudSVT', arch='large', out_indices=(3, ), drop_path_rate=0.0),
    neck=dict(in_channels=1024))
