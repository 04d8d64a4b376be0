# ADE20K semantic segmentation: UperNet on mmdet's own PyramidVisionTransformer (PVT-L; mmseg
# has no PVT v1), initialised from a MixMAE PVT-L pretraining checkpoint. The MixMAE paper
# reports no segmentation result for PVT; the recipe is the Twins-SVT-L one (mmseg's
# Twins/PVT UperNet: 160K iterations, batch 16, AdamW 6e-5, weight decay 0.01, poly).
#
# Backbone weights: the mmdet-layout file of
#   python tools/model_converters/mixmae_encoder_to_openmmlab.py SRC.pth \
#       work_dirs/mixmae_pvt-large_mmdet.pth --encoder pvt
_base_ = ['./upernet_twins-svt-large_8xb2-160k_ade20k-512x512.py']

pretrained = 'work_dirs/mixmae_pvt-large_mmdet.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.PyramidVisionTransformer',
        num_layers=[3, 8, 27, 3],
        drop_path_rate=0.3,
        out_indices=(0, 1, 2, 3),
        convert_weights=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    decode_head=dict(in_channels=[64, 128, 320, 512]),
    auxiliary_head=dict(in_channels=320))
