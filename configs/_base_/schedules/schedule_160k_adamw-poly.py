# The 160k-iteration UperNet schedule of BEiT and MAE on ADE20K, shared by the UperNet configs
# on mmseg's 160k base: AdamW with betas (0.9, 0.999) and weight decay 0.05, layer-wise lr
# decay from the backbone's own layer depths (mmseg's constructor only knows its BEiT/MAE
# classes), no weight decay on norms and biases, 1500 warm-up iterations, then linear (poly
# 1.0) decay to 0; validation and checkpoints every 16k iterations (mmseg's).
# A config sets `optim_wrapper.optimizer.lr`, `optim_wrapper.paramwise_cfg.layer_decay_rate`
# and the `custom_keys` of its backbone's position tables; it may replace the decay
# (`param_scheduler`) or the wrapper type (`AmpOptimWrapper`).
_base_ = 'mmseg::_base_/schedules/schedule_160k.py'

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    constructor='BackboneLayerDecayOptimWrapperConstructor',
    optimizer=dict(type='FastAdamW', betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))

max_iters = 160000
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, by_epoch=False, begin=1500, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=16000)

# The lr of a config is for 8 GPUs x 2 images; `--auto-scale-lr` rescales it for other batches.
auto_scale_lr = dict(enable=False, base_batch_size=16)
