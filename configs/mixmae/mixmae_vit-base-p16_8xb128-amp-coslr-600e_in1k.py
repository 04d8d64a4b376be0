# MixMAE ViT-B/16, 600 epochs, 75% (4 images). Paper Table 17: 83.8 top-1.
# The paper states neither the mask unit nor how attention is masked for ViT. Our choices:
# mask unit 32 px = 2x2 patches (so the decoder, head and 7x7 mask grid are those of the
# hierarchical encoders), masked global self-attention (each token attends to the tokens of
# its own image; computed per image), fixed 2-D sin-cos position embedding, no class
# token, xavier_uniform initialisation (A.1); the 2x2 tokens of a cell are averaged into one
# decoder token. Optimiser and schedule: Table 11, as for Swin.
_base_ = './mixmae_swin-base-w14_8xb128-amp-coslr-600e_in1k.py'

model = dict(
    backbone=dict(
        _delete_=True, type='MixMAEViT', arch='base', img_size=224, patch_size=16, mask_unit=32),
    neck=dict(in_channels=768))
