# Beyond the papers: MixedAE ViT-B/16 (compose, 300 epochs) predicting FastMIM's HOG target
# (9 bins, 8 px cells: 2 x 2 cells x 3 channels x 9 = 108 values per 16 px patch) instead of
# pixels; everything else is the MixedAE recipe. No paper trains this combination.
_base_ = ['mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py']

model = dict(
    neck=dict(out_channels=108),
    target_generator=dict(type='HOGTargetGenerator', token_stride=16, nbins=9, cell_size=8))
