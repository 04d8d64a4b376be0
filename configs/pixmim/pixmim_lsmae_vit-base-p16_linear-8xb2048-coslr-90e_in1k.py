# Linear probing at 224 px of a (PixMIM_)LSMAE ViT-B/16 pretrained at 448 px (PixMIM Table 10,
# MAE's protocol: LARS, blr 0.1, wd 0, batch 16384, 10 warmup epochs, 90 epochs,
# RandomResizedCrop). MMPretrain's MAE config is exactly that; the checkpoint's position
# embedding is resized to 224 px on load.
_base_ = ['mmpretrain::mae/benchmarks/vit-base-p16_8xb2048-linear-coslr-90e_in1k.py']
