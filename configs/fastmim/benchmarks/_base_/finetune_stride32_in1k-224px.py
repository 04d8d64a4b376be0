# Fine-tuning of the other Table-4 backbones at 224 px. The paper gives only their fine-tuning
# epochs (Table 4: Twins-L and PVTv1-L 100, PVTv2 200, ConvNeXt 300); the rest is Table 12's
# recipe without layer-wise decay (these backbones define no layer ids in MMPretrain).
_base_ = ['finetune_in1k-224px.py']

model = dict(
    backbone=dict(
        _delete_=True,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='backbone.')),
    neck=dict(_delete_=True, type='GlobalAveragePooling'))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='FastAdamW', lr=1e-3 * 1024 / 256, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))

# Cosine without `end`: the Runner ends it at train_cfg.max_epochs, the one thing a config sets.
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, convert_to_iter_based=True),
]
