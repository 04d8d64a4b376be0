# The schedule of every small-scale (128 px, Imagenette) pretraining config, so that all
# methods train under the same rules: AdamW with the method's paper betas and weight decay,
# lr = paper base lr x batch / 256 x 48 (the same x48 for every method: encoders of about
# 1M parameters train for minutes, not hundreds of epochs; x48 puts the MAE-style base lr
# 1.5e-4 at 9e-4 for batch 32, about the 1e-3 of the demo's mini MixMAE recipe; README,
# "The shared recipe", compares it with x16), half an epoch of warm-up (so a
# 1-epoch run keeps both phases), cosine to 0.
# bf16 autocast on a CPU that has it (tools/train.py), fp16 AMP on a GPU.
# A config sets `optim_wrapper.optimizer.lr` (and betas/weight decay if its paper differs).
# The runtime (plugin import, atomic checkpoints) comes with it.
_base_ = '../default_runtime.py'

lr_scale = 48
optim_wrapper = dict(
    type='MixedPrecisionOptimWrapper',
    optimizer=dict(
        type='FastAdamW', lr=1.5e-4 * 32 / 256 * lr_scale, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=0.5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=0.5,
        convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50), checkpoint=dict(interval=1, max_keep_ckpts=1))
randomness = dict(seed=0, diff_rank_seed=True)
