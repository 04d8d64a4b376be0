# COCO detection and instance segmentation: Mask R-CNN + FPN on MMPretrain's own Twins SVT
# (Twins-SVT-L), initialised from a MixMAE Twins-SVT-L pretraining checkpoint. The MixMAE
# paper reports no detection result for Twins; this follows the Twins paper's Mask R-CNN
# setting (1x schedule, AdamW lr 1e-4, weight decay 1e-4, batch 16), as for PVT-L.
# Every stage output is normed before the FPN (``norm_after_stage=True``, as OpenMMLab's
# Twins configs); the norms of stages 0-2 are not pretrained and start fresh.
#
# Backbone weights (MMPretrain's SVT layout = ours, the converter checks the keys):
#   python tools/model_converters/mixmae_encoder_to_openmmlab.py \
#       work_dirs/mixmae_twins-svt-large_8xb128-amp-coslr-600e_in1k/epoch_600.pth \
#       work_dirs/mixmae_twins-svt-large_mmpretrain.pth --encoder svt
_base_ = ['./mask-rcnn_pvt-large_fpn_8xb2-1x_coco.py']

pretrained = 'work_dirs/mixmae_twins-svt-large_mmpretrain.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.SVT',
        arch='large',
        drop_path_rate=0.2,
        out_indices=(0, 1, 2, 3),
        norm_after_stage=True,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[128, 256, 512, 1024]))
