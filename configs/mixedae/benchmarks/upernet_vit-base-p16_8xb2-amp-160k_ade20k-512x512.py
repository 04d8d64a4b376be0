# ADE20K semantic segmentation with UperNet on a MixedAE ViT-B/16, the BEiT recipe (paper App. B:
# 512 x 512, batch 16, lr 3e-4, layer-wise decay 0.65 for ViT-B (0.75 for ViT-L), 160k
# iterations, single-scale evaluation; Table 1: 47.0 / 48.7 / 49.8 mIoU after 300 / 800 / 1600
# pretraining epochs). From BEiT / mmseg's MAE UperNet config (not stated in the paper): AdamW,
# betas (0.9, 0.999), wd 0.05, 1500 warm-up iterations then linear (poly 1.0) decay, drop path
# 0.1, features of blocks 4/6/8/12 rescaled by 4/2/1/0.5 (Feature2Pyramid), sliding-window test.
#
# Deviation from BEiT, stated plainly: the encoder is the plain MMPretrain ViT that MixedAE
# pretrains (absolute position embedding interpolated to the 32 x 32 grid, qkv bias, no layer
# scale) instead of mmseg's BEiT-style `MAE` backbone, whose relative position bias and layer
# scale have no pretrained weights (its qkv bias is a full one, as ours: nothing is dropped, see
# tests/test_downstream/test_fastmim_transfer_configs.py) and which loads with strict=False,
# without a word. This one loads loudly: a missing or unused encoder weight raises.
#
# Pretrained weights: a MixedAE pretraining checkpoint (`backbone.*`) or the output of
# tools/model_converters/mixedae_to_backbone.py, e.g.
#   --cfg-options model.backbone.init_cfg.checkpoint=pretrain/mixedae_vit-base-p16_1600e.pth
_base_ = 'mmseg::mae/mae-base_upernet_8xb2-amp-160k_ade20k-512x512.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

pretrained = 'pretrain/mixedae_vit-base-p16_backbone.pth'
model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmpretrain.LoudVisionTransformer',
        arch='b',
        img_size=512,
        patch_size=16,
        drop_path_rate=0.1,
        out_indices=(3, 5, 7, 11),
        out_type='featmap',
        final_norm=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')))

# Layer decay from the ViT's own layer depths (mmseg's constructor only knows its BEiT/MAE
# classes); as mmseg's, no weight decay on 1-D tensors (norms, biases), pos_embed, cls_token.
optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='FastAdamW', lr=3e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='BackboneLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.65,
        flat_decay_mult=0.,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
