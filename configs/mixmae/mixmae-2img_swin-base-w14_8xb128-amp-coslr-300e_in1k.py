# MixMAE Swin-B/W14, 300 epochs, 50% masking with 2 images: the paper's ablation default
# (Tables 6-10: 84.6 FT, 49.9 mIoU) and the setting of the authors' released script.
# 'flip' pairs sample i with sample B-1-i exactly as the authors' code and MMPretrain do
# (B mixed inputs per B images); use mix_mode='group' to encode each image once.
_base_ = './mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'

model = dict(num_images=2, mix_mode='flip')
