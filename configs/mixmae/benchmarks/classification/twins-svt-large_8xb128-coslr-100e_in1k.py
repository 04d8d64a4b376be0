# ImageNet-1K fine-tuning of a MixMAE Twins-SVT-L encoder, 100 epochs (paper Table 3: 83.9
# top-1 after 600 pretraining epochs). No Twins-specific setting in the paper: Table 12's
# recipe (see the Swin-B config) with 100 epochs as Table 3 states, drop path 0.2 (the
# paper's value for large encoders; our choice), global average pooling of the normed last
# stage (MMPretrain's Twins classifier).
_base_ = './swin-base-w14_8xb128-coslr-100e_in1k.py'

pretrained = 'work_dirs/mixmae_twins-svt-large_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='MixMAESVT',
        arch='large',
        img_size=224,
        out_indices=(3, ),
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(in_channels=1024))

optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'position_encodings': dict(decay_mult=0.0)}))
