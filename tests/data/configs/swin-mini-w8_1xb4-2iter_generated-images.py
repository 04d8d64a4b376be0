# The ImageNet fine-tuning benchmark config shrunk for tests: a mini MixMAE encoder at 128 px,
# 2 classes of generated images, 2 iterations, no validation. Everything else (layer decay
# 0.7 through MMPretrain's constructor, RandAugment, random erasing, mixup/cutmix, label
# smoothing, drop path) comes from the real config. Tests set `data_root` and the checkpoint.
_base_ = [
    '../../../configs/mixmae/benchmarks/classification/'
    'swin-base-w14_8xb128-coslr-100e_in1k.py'
]

img_size = 128
data_preprocessor = dict(num_classes=2)

model = dict(
    backbone=dict(arch='mini', img_size=img_size, window_size=(8, 8, 8, 4), init_cfg=None),
    head=dict(num_classes=2, in_channels=256))

bgr_mean = [103.53, 116.28, 123.675]
bgr_std = [57.375, 57.12, 58.395]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=img_size, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(
        type='RandomErasing',
        erase_prob=0.25,
        mode='rand',
        min_area_ratio=0.02,
        max_area_ratio=1 / 3,
        fill_color=bgr_mean,
        fill_std=bgr_std),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root='data/generated_images',
        pipeline=train_pipeline))
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None

train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=1),
    dict(type='CosineAnnealingLR', T_max=1, eta_min=1e-6, by_epoch=False, begin=1, end=2),
]
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(by_epoch=False, interval=2, save_best=None))
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
