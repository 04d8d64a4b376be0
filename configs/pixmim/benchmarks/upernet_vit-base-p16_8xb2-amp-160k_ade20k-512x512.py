# ADE20K semantic segmentation with UperNet on a PixMIM ViT-B/16 (paper Table 12; serves
# PixMIM_MAE and PixMIM_MFF). Built on MMSegmentation's MAE UperNet config: ViT-B/16 at 512 x 512
# with relative position bias turned on and zero-initialised (mmseg's ``MAE`` backbone), layer
# scale 1.0, drop path 0.1, features of blocks 3/5/7/11 rescaled by 4/2/1/0.5, batch 8 x 2 = 16,
# 160k iterations, 1500 warmup iterations. Table 12 changes the optimisation to AdamW lr 2e-4,
# betas (0.9, 0.999), weight decay 0.05, layer-wise decay 0.75 and cosine decay
# (mmseg's MAE config: lr 1e-4, decay 0.65, poly). The paper reports mIoU averaged over two runs.
#
# mmseg's MAE backbone has a full qkv bias (BEiT's q/v-only bias is not used), so every weight of
# an MMPretrain ViT loads, and the added relative position bias (zeros) and layer scale (ones)
# start neutral (tests/test_downstream/test_fastmim_transfer_configs.py). It loads with
# strict=False and says nothing: a checkpoint with ``backbone.``-prefixed keys loads NO weight.
# So pass a bare backbone state dict (no ``backbone.`` prefix); extract it from
# a PixMIM checkpoint first (see configs/pixmim/README.md) and pass it with
#   --cfg-options model.pretrained=pretrain/pixmim_vit-base-p16_backbone.pth
_base_ = 'mmseg::mae/mae-base_upernet_8xb2-amp-160k_ade20k-512x512.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

model = dict(pretrained='pretrain/pixmim_vit-base-p16_backbone.pth')

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='FastAdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(num_layers=12, layer_decay_rate=0.75),
    constructor='LayerDecayOptimizerConstructor')

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(
        type='CosineAnnealingLR',
        T_max=160000 - 1500,
        eta_min=0.0,
        by_epoch=False,
        begin=1500,
        end=160000)
]
