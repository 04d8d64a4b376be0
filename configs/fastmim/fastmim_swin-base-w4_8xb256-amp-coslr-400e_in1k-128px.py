# FastMIM Swin-B, 128 px, window 4, HOG target, 400 epochs (paper Table 3: 84.1 top-1 after
# fine-tuning at 224 with window 7).
# Stage maps 32/16/8/4 at 128 px; 32 x 32 mask blocks (the last-stage stride, 4 x 4 grid);
# decoder 4 blocks x 256 (Table 16); HOG 4x4 cells x 27 = 432 per token.
_base_ = ['_base_/fastmim_in1k-128px.py']

model = dict(
    type='FastMIM',
    mask_ratio=0.75,
    mask_block=32,
    backbone=dict(type='SwinTransformer', arch='base', img_size=128, window_size=4,
                  drop_path_rate=0.0, out_indices=(3, ), init_cfg={{_base_.transformer_init}}),
    neck=dict(type='FastMIMDecoder', in_channels=1024, out_channels=432, embed_dims=256,
              depth=4),
    head=dict(type='FastMIMHead', patch_size=32),
    target_generator=dict(type='HOGTargetGenerator', token_stride=32, nbins=9, cell_size=8))

train_cfg = dict(max_epochs=400)
