# ADE20K UperNet with a MixMAE Swin-L encoder (paper Table 4: 53.8 mIoU after 600 pretraining
# epochs; 460 GFLOPs, 236M params). The Swin-B recipe with the paper's Swin-L layer decay 0.9;
# drop path (not stated) 0.2, BEiT-L's value for ADE20K.
_base_ = './upernet_swin-base-w16_8xb2-160k_ade20k-512x512.py'

pretrained = 'work_dirs/mixmae_swin-large-w14_8xb128-amp-coslr-600e_in1k/epoch_600.pth'

model = dict(
    backbone=dict(
        arch='large',
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    decode_head=dict(in_channels=[192, 384, 768, 1536]),
    auxiliary_head=dict(in_channels=768))

optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.9))
