# Fine-tuning a FastMIM Swin-B (pretrained at 128 px, window 4) at 224 px with window 7 for 100
# epochs (paper Table 3: 84.1 top-1). Table 12: layer decay 0.8, drop path 0.1. The
# relative-position tables are resized bicubically 7x7 -> 13x13 on load (A.3.2).
_base_ = ['_base_/finetune_in1k-224px.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='LoudSwinTransformer',
        arch='base',
        img_size=224,
        window_size=7,
        drop_path_rate=0.1,
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='backbone.')),
    neck=dict(_delete_=True, type='GlobalAveragePooling'),
    head=dict(in_channels=1024))
optim_wrapper = dict(
    paramwise_cfg=dict(
        layer_decay_rate=0.8, custom_keys={'relative_position_bias_table': dict(decay_mult=0.0)}))
