# COCO Mask R-CNN on a FastMIM Swin-B (pretrained at 128 px with window 4, 400 epochs), the
# "SimMIM setting" of the paper (A.3.4, Table 13; Table 5: 52.2 / 46.1 AP box / mask when the
# backbone starts from the ImageNet-1K fine-tuned checkpoint, 51.9 / 45.8 from the
# self-supervised one).
# Table 13: AdamW lr 6e-5, weight decay 0.05, betas (0.9, 0.999), batch 32 (8 GPUs x 4), step
# schedule, 1500 warm-up steps, 36 epochs, input 1024 x 1024, drop path 0.2; window 7. The
# rest is the package's MixMAE Swin Mask R-CNN (LSJ at 1024, 4conv1fc box head, SyncBN),
# with MMPretrain's SwinTransformer (zero padding of maps the window does not divide) as the
# backbone. Not stated: the step milestones; mmdet's 3x schedule (epochs 27 and 33) is used,
# and the layer-wise decay 0.9 of the paper's ADE20K SimMIM setting.
# Backbone weights: the fine-tuned (or pretraining) checkpoint, `backbone.*` keys; the
# 7x7 (or 4x4) window tables are resized to 7x7 on loading when they differ.
_base_ = '../../../mixmae/benchmarks/mmdetection/mask-rcnn_swin-base-w16_fpn_8xb8-lsj-55e_coco.py'

pretrained = 'work_dirs/swin-base-w7_8xb128-coslr-100e_in1k/epoch_100.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.LoudSwinTransformer',
        arch='base',
        img_size=1024,
        window_size=7,
        pad_small_map=True,
        drop_path_rate=0.2,
        out_indices=(0, 1, 2, 3),
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
train_dataloader = dict(batch_size=4)
optim_wrapper = dict(
    optimizer=dict(lr=6e-5, weight_decay=0.05), paramwise_cfg=dict(layer_decay_rate=0.9))

max_epochs = 36
train_cfg = dict(max_epochs=max_epochs, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1500),
    dict(
        type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs, milestones=[27, 33], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=4))
auto_scale_lr = dict(enable=False, base_batch_size=32)
