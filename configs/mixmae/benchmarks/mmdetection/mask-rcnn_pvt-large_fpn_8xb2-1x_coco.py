# COCO detection and instance segmentation: Mask R-CNN + FPN on mmdet's own
# PyramidVisionTransformer (PVT-L), initialised from a MixMAE PVT-L pretraining checkpoint.
# The MixMAE paper reports no detection result for PVT; this is PVT's own Mask R-CNN recipe
# (PVT paper, section 5.2: 1x schedule, 12 epochs, batch 16, AdamW lr 1e-4, weight decay 1e-4,
# mmdet's standard 1x data pipeline), which mmdet's PVT configs follow.
#
# Backbone weights: convert the pretraining checkpoint to mmdet's layout first:
#   python tools/model_converters/mixmae_encoder_to_openmmlab.py \
#       work_dirs/mixmae_pvt-large_8xb128-amp-coslr-600e_in1k/epoch_600.pth \
#       work_dirs/mixmae_pvt-large_mmdet.pth --encoder pvt
_base_ = ['mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py']

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/mixmae_pvt-large_mmdet.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='PyramidVisionTransformer',
        num_layers=[3, 8, 27, 3],
        drop_path_rate=0.1,
        out_indices=(0, 1, 2, 3),
        convert_weights=False,  # the converter already wrote mmdet's keys
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[64, 128, 320, 512]))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='FastAdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-4))

train_dataloader = dict(batch_size=2, num_workers=2)
auto_scale_lr = dict(base_batch_size=16)
