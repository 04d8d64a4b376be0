# A tiny image classifier on a folder of generated images, for engine and tool tests.
# Tests point `train_dataloader.dataset.data_root` at a folder they fill with images
# (one sub-folder per class, see tests/test_engine/_tiny_data.py).
custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)
_base_ = ['mmpretrain::_base_/default_runtime.py']

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        num_classes=2, mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=1,
        strides=(1, ),
        dilations=(1, ),
        out_indices=(0, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=2,
        in_channels=8,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))

# No random transforms: resumed and uninterrupted runs must see identical batches.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(16, 16)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CustomDataset',
        data_root='data/tiny_generated_images',  # overridden by the tests
        pipeline=train_pipeline))

optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-2, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2),
    dict(type='CosineAnnealingLR', eta_min=1e-4, by_epoch=False, begin=2, end=6),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=6)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=2,
        backend_args=dict(backend='atomic_local')),
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0, deterministic=True)

# For tools/test.py: the same images, no shuffling.
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CustomDataset',
        data_root='data/tiny_generated_images',  # overridden by the tests
        pipeline=train_pipeline))
test_evaluator = dict(type='Accuracy', topk=(1, ))
test_cfg = dict()
