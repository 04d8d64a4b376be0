# COCO detection and instance segmentation: Mask R-CNN + FPN on a PixMIM_ConvMAE ConvViT-B
# encoder (paper Table 15; the paper follows "the COCO recipe from ConvMAE's repo").
#
# Table 15: AdamW, lr 1e-4, betas (0.9, 0.999), weight decay 0.1, layer-wise lr decay 0.85,
# batch 16, cosine decay, 25 epochs, drop path 0.1.
# From ConvMAE's detection recipe (not stated in the PixMIM paper): the hybrid encoder is a
# natural pyramid, so it feeds a standard FPN with the stage-1/2 convolution maps (strides 4, 8),
# the stage-3 map (stride 16) and its 2x2 max pooling (stride 32) (``ConvMAEViTDense``);
# large-scale jitter at 1024 x 1024 (scale range 0.1-2.0), 250 warm-up iterations, no weight
# decay on norms, biases and the position embedding, mixed precision (`--amp`).
# The 25 epochs are real epochs (no RepeatDataset, unlike mmdet's lsj-100e base which repeats
# the data 4 times). Layer decay follows ConvMAEViT.get_layer_depth (convolution stages at the
# lowest depth, transformer block i at depth i + 1).
#
# Backbone weights: a PixMIM_ConvMAE pretraining checkpoint (keys ``backbone.*``); the 224 px
# position embedding is resized to the 64 x 64 grid on loading, the fusion convolutions of
# pretraining are unused and skipped.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    '../../_base_/datasets/coco_instance_lsj-1024.py',
]

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

# The 800-epoch checkpoint, as behind the paper's Table 2 transfer numbers (README); Table 17
# gives the 1600-epoch ones (pass that checkpoint with --cfg-options).
pretrained = ('work_dirs/pixmim_convmae_convvit-base-p16_8xb512-amp-coslr-800e_in1k/'
              'epoch_800.pth')

model = dict(
    data_preprocessor=dict(
        batch_augments=[dict(type='BatchFixedSizePad', size=_base_.image_size, pad_mask=True)]),
    backbone=dict(
        _delete_=True,
        type='ConvMAEViTDense',
        arch='b',
        img_size=1024,
        drop_path_rate=0.1,
        learnable_pos_embed=True,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[256, 384, 768, 768], out_channels=256, num_outs=5))

# LSJ at 1024 with real epochs (no RepeatDataset) and padded test images: the base's data.
train_dataloader = dict(batch_size=2, num_workers=4)

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    constructor='BackboneLayerDecayOptimWrapperConstructor',
    optimizer=dict(type='FastAdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    paramwise_cfg=dict(
        layer_decay_rate=0.85,
        norm_decay_mult=0.,
        bias_decay_mult=0.,
        custom_keys={'pos_embed': dict(decay_mult=0.)}))

max_epochs = 25
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=0,
        end=max_epochs,
        T_max=max_epochs,
        eta_min=0.,
        convert_to_iter_based=True),
]

default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=2))
# 8 GPUs x 2 images = 16 (Table 15); `--auto-scale-lr` rescales lr for other batches.
auto_scale_lr = dict(enable=False, base_batch_size=16)
