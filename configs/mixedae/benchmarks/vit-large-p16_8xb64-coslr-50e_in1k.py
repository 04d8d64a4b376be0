# ImageNet-1K fine-tuning of a MixedAE ViT-L/16 (paper Table 5: base lr 1e-3, batch 512,
# 50 epochs; Table 6: 86.2 top-1 after 1600 pretraining epochs). Everything else as ViT-B.
# Layer decay 0.75: MAE's ViT-L value, in the paper's sweep {0.65, 0.7, 0.75}.
_base_ = './vit-base-p16_8xb128-coslr-100e_in1k.py'

model = dict(backbone=dict(arch='large'), head=dict(in_channels=1024))

train_dataloader = dict(batch_size=64)
optim_wrapper = dict(optimizer=dict(lr=1e-3 * 512 / 256), paramwise_cfg=dict(layer_decay_rate=0.75))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=45,
        by_epoch=True,
        begin=5,
        end=50,
        eta_min=1e-6,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=50)
auto_scale_lr = dict(base_batch_size=512)
