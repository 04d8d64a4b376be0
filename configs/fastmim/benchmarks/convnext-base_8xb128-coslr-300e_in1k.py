# Fine-tuning a FastMIM ConvNeXt-B at 224 px for 300 epochs (paper Table 4: 84.0 top-1).
_base_ = ['_base_/finetune_stride32_in1k-224px.py']

model = dict(
    neck=None,
    backbone=dict(type='LoudConvNeXt', arch='base', gap_before_final_norm=True),
    head=dict(in_channels=1024))
train_cfg = dict(max_epochs=300)
