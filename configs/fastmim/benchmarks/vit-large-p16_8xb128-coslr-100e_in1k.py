# Fine-tuning a FastMIM(-P) ViT-L/16 at 224 px for 100 epochs (paper Table 3: 85.7 top-1 for
# FastMIM-P, 85.1 for FastMIM at 128 px). Table 12 has no ViT-L column: layer decay 0.75 and
# drop path 0.2 are MAE's ViT-L values (our choice).
_base_ = ['_base_/finetune_in1k-224px.py']

model = dict(
    backbone=dict(
        arch='large', drop_path_rate=0.2, init_cfg=dict(checkpoint={{_base_.pretrained}})),
    head=dict(in_channels=1024))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))
