# ImageNet-1k pretraining data with PixMIM's conservative crop (paper Sec. 4.2): resize the
# short side to 224, reflect-pad 4, random 224 crop, flip 0.5 (SimpleResizedCrop), in place
# of RandomResizedCrop. Everything else as `imagenet_bs512_mae.py`.
_base_ = 'imagenet_bs512_mae.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='SimpleResizedCrop',
        size=224,
        padding=4,
        flip_prob=0.5,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
