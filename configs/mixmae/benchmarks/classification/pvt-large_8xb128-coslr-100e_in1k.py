# ImageNet-1K fine-tuning of a MixMAE PVT-L encoder, 100 epochs (paper Table 3: 83.4 top-1
# after 600 pretraining epochs). The paper gives no PVT-specific fine-tuning setting: Table
# 12's recipe (see the Swin-B config: AdamW 5e-4 x 1024/256, layer decay 0.7, RandAug, mixup,
# cutmix, label smoothing) with 100 epochs as Table 3 states, drop path 0.2 (the paper's
# value for large encoders; our choice), global average pooling of the normed last stage.
_base_ = './swin-base-w14_8xb128-coslr-100e_in1k.py'

pretrained = 'work_dirs/mixmae_pvt-large_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='MixMAEPVT',
        arch='large',
        img_size=224,
        final_norm=True,
        out_indices=(3, ),
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(in_channels=512))

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'pos_embed': dict(decay_mult=0.0)}))
