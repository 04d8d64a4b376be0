# ImageNet-1K fine-tuning of a MixMAE ViT-B/16 encoder, 100 epochs (paper Table 17: 83.8
# top-1 after 600 pretraining epochs). The paper gives no ViT-specific setting: Table 12's
# recipe (see the Swin-B config: layer decay 0.7, drop path 0.15 for B) on MMPretrain's ViT
# layout, averaged patch tokens (no class token in pretraining) followed by a LayerNorm.
_base_ = './swin-base-w14_8xb128-coslr-100e_in1k.py'

pretrained = 'work_dirs/mixmae_vit-base-p16_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='MixMAEViT',
        arch='base',
        img_size=224,
        patch_size=16,
        out_type='avg_featmap',
        drop_path_rate=0.15,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=None,
    head=dict(in_channels=768))

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'pos_embed': dict(decay_mult=0.0)}))
