# Linear warm-up for 40 epochs, then cosine decay to 0 at the end of training: the
# schedule of MAE-style pretraining (MixMAE Table 11, PixMIM Table 7, ConvMAE). The cosine
# phase has no `end`, so the Runner ends it at `train_cfg.max_epochs`; a config only sets
# that (and `param_scheduler[0].end` for another warm-up length).
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=40, convert_to_iter_based=True),
]
