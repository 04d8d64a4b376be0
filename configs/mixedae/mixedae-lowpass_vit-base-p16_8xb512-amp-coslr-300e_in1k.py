# Beyond the papers: MixedAE ViT-B/16 (compose, 300 epochs) reconstructing PixMIM's low-pass
# filtered image (r = 40 at 224 px) instead of the raw pixels; everything else is the MixedAE
# recipe. No paper trains this combination (no reference number).
_base_ = ['mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py']

model = dict(target_generator=dict(type='LowPassTargetGenerator', radius=40))
