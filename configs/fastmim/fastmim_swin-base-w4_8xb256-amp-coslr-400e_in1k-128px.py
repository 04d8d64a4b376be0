# FastMIM Swin-B, 128 px, window 4, HOG target, 400 epochs (paper Table 3: 84.1 top-1 after
# fine-tuning at 224 with window 7).
# Stage maps 32/16/8/4 at 128 px (stage 4 is one window, so it does not shift); 32 x 32 mask
# blocks; decoder 4 blocks x 256 (Table 16); HOG 4x4 cells x 27 = 432 per token.
_base_ = ['_base_/fastmim_stride32_in1k-128px.py']

model = dict(
    backbone=dict(
        type='LoudSwinTransformer',
        arch='base',
        img_size=128,
        window_size=4,
        drop_path_rate=0.0,
        out_indices=(3, )),
    neck=dict(in_channels=1024, embed_dims=256, depth=4))

train_cfg = dict(max_epochs=400)
