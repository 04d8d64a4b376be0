# ADE20K semantic segmentation: UperNet on mmseg's own Twins SVT (Twins-SVT-L), initialised
# from a MixMAE Twins-SVT-L pretraining checkpoint. The MixMAE paper reports no segmentation
# result for Twins; this is mmseg's Twins-SVT-L UperNet recipe (160K iterations, batch 16,
# 512 crops, AdamW lr 6e-5, weight decay 0.01, 1500 warmup iterations then poly decay, drop
# path 0.3). mmseg's SVT norms every stage output; the norms of stages 0-2 start fresh.
#
# Backbone weights in mmseg's layout (packed q/kv projections, qkv_bias=True with zero
# biases where ours has none, `layers`/`norm_list` names):
#   python tools/model_converters/mixmae_encoder_to_openmmlab.py \
#       work_dirs/mixmae_twins-svt-large_8xb128-amp-coslr-600e_in1k/epoch_600.pth \
#       work_dirs/mixmae_twins-svt-large_mmseg.pth --encoder svt --target mmseg
_base_ = ['mmseg::twins/twins_svt-l_uperhead_8xb2-160k_ade20k-512x512.py']

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/mixmae_twins-svt-large_mmseg.pth'

model = dict(backbone=dict(qkv_bias=True, init_cfg=dict(type='Pretrained', checkpoint=pretrained)))

# mmseg's recipe, with the fastest AdamW step the installed torch has (fused where it can).
optim_wrapper = dict(optimizer=dict(type='FastAdamW'))
