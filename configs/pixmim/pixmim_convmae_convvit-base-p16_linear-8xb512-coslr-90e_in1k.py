# Linear probing of PixMIM_ConvMAE-Base (PixMIM Table 11): LARS, blr 0.1, weight decay 0,
# momentum 0.9, batch 4096, cosine, 10 warmup epochs, 90 epochs, RandomResizedCrop. Same as the
# ConvMAE linear-probing config; kept under pixmim/ so every Table-2 row has its config.
_base_ = '../convmae/benchmarks/convvit-base-p16_8xb512-linear-coslr-90e_in1k.py'
