# ImageNet-1K fine-tuning of a MixMAE Swin-H encoder (Table 12: 50 epochs, drop path 0.3; the
# rest as Swin-B). Section 5.1: 86.9 top-1 after 600 pretraining epochs.
_base_ = './swin-large-w14_8xb128-coslr-50e_in1k.py'

pretrained = 'work_dirs/mixmae_swin-huge-w14_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    backbone=dict(
        arch='huge',
        drop_path_rate=0.3,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(in_channels=2816))
