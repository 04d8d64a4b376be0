# The paper's naive-mixing baseline (Table 3f, row 1: 82.4 IN-1K top-1 / 45.0 ADE20K mIoU after
# 300 epochs): the images are mixed as in MixedAE, but the encoder is a plain ViT with global
# self-attention, no segment embeddings and no homologous contrastive loss. Everything else
# (data, schedule, decoder, normalised-pixel loss) is the 300-epoch MixedAE recipe.
_base_ = ['mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py']

model = dict(
    backbone=dict(attention='global', segment_embed=False, record_topk_accuracy=False),
    contrastive_head=None)
