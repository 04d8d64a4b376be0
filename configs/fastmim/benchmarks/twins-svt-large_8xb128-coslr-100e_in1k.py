# Fine-tuning a FastMIM Twins-SVT-L at 224 px for 100 epochs (paper Table 4: 84.0 top-1).
_base_ = ['_base_/finetune_stride32_in1k-224px.py']

model = dict(
    backbone=dict(type='LoudSVT', arch='large', out_indices=(3, )), head=dict(in_channels=1024))
train_cfg = dict(max_epochs=100)
