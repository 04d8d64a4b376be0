# ImageNet-1K fine-tuning of a PixMIM_MFF ViT-B/16. The paper uses one fine-tuning recipe for
# every host (Table 9 lists PixMIM_MFF), so this is the PixMIM_MAE fine-tuning config; the MFF
# fusion layers (``backbone.proj_layers``, ``backbone.proj_weights``) are pretraining-only and are
# skipped when the checkpoint is loaded into the plain ViT.
_base_ = './vit-base-p16_8xb128-coslr-100e_in1k.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)
