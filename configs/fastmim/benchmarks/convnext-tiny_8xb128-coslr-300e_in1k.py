# Fine-tuning a FastMIM ConvNeXt-T at 224 px for 300 epochs (paper Table 4: 82.6 top-1).
# ConvNeXt pools and normalises its last map itself, so the classifier has no extra neck.
_base_ = ['_base_/finetune_stride32_in1k-224px.py']

model = dict(
    neck=None,
    backbone=dict(type='LoudConvNeXt', arch='tiny', gap_before_final_norm=True),
    head=dict(in_channels=768))
train_cfg = dict(max_epochs=300)
