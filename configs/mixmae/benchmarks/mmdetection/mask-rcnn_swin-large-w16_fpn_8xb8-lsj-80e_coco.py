# COCO Mask R-CNN with a MixMAE Swin-L encoder (paper Table 4: 54.3 / 48.2 AP box / mask after
# 600 pretraining epochs; 1119 GFLOPs, 319M params). The Swin-B recipe with the paper's Swin-L
# changes, 80 epochs and layer decay 0.9; drop path (not stated) 0.2, the paper's fine-tuning
# value for Swin-L.
_base_ = './mask-rcnn_swin-base-w16_fpn_8xb8-lsj-55e_coco.py'

pretrained = 'work_dirs/mixmae_swin-large-w14_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    backbone=dict(
        arch='large',
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[192, 384, 768, 1536]))

optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.9))

max_epochs = 80
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.001,
        by_epoch=True,
        begin=0,
        end=0.25,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR',
        by_epoch=True,
        begin=0,
        end=max_epochs,
        milestones=[round(max_epochs * 0.889), round(max_epochs * 0.963)],
        gamma=0.1),
]
