# MixedAE with ViT-B/16 (paper section 3, Appendix B): groups of 1/r = 4 images mixed on a
# 32x32-px mask grid (compose mode), sin-cos segment embeddings at every layer input,
# homologous TopK attention (K = 0.25 L) in layers 2-12, MAE's 8 x 512 decoder on the
# unmixed sequences with a normalised-pixel L2 loss on each image's missing patches, and the
# homologous contrastive loss (linear projector to 128, tau 0.25, lambda 0.1).
model = dict(
    type='MixedAE',
    num_images=4,  # r = 0.25, the paper's default (equivalent to MAE's 75 % masking)
    mix_mode='compose',
    backbone=dict(
        type='MixedAEViT',
        arch='b',
        img_size=224,
        patch_size=16,
        mask_unit=32,
        attention='topk',
        num_global_layers=1,
        segment_embed=True),
    neck=dict(type='MixMAEDecoder', in_channels=768, embed_dims=512, depth=8, num_heads=16),
    head=dict(
        type='MixMAEHead', norm_pix=True, loss=dict(type='PixelReconstructionLoss',
                                                    criterion='L2')),
    contrastive_head=dict(
        type='HomologousContrastiveHead',
        in_channels=768,
        proj_dims=128,
        temperature=0.25,
        loss_weight=0.1,
        positives='separate'))

# Fails at start-up if a batch could not be split into groups of num_images.
custom_hooks = [dict(type='MixingBatchCheckHook')]
