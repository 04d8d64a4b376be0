# Beyond the papers: MixMAE Swin-B/W14 (300 epochs, 4 mixed images, 224 px) regressing
# FastMIM's HOG target instead of normalised pixels. No paper trains this combination, so there
# is no reference number; everything but the target is the MixMAE recipe (MixMAE Table 11).
# Each 32 x 32 mask cell predicts the HOG of its 4x4 cells x 27 = 432 values, computed on the
# unmixed image of each source (MixMAEHead uses per-cell targets as they are, no norm_pix).
_base_ = '../mixmae/mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

model = dict(
    neck=dict(out_channels=432),
    target_generator=dict(type='HOGTargetGenerator', token_stride=32, nbins=9, cell_size=8))
