# ImageNet-1K fine-tuning of a MixMAE Swin-L encoder (Table 12: 50 epochs, drop path 0.2; the
# rest as Swin-B). Table 3: 85.9 top-1 after 600 pretraining epochs.
_base_ = './swin-base-w14_8xb128-coslr-100e_in1k.py'

pretrained = 'work_dirs/mixmae_swin-large-w14_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    backbone=dict(
        arch='large',
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(in_channels=1536))

max_epochs = 50
warmup_epochs = 5
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=1e-6,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
