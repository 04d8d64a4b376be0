# ADE20K at 512 x 512 for the UperNet configs built on mmseg's separate bases (those on mmseg's
# MAE UperNet config get the same data from it): mmseg's `_base_/datasets/ade20k.py` (inherited,
# not copied, so that its dicts keep `_scope_='mmseg'`) at 2 images per GPU, the 8 x 2 = 16
# batch of BEiT's and MAE's UperNet recipe (mmseg's base has 4). Validation and test keep
# mmseg's 1 image per GPU (sliding-window inference). A config sets `crop_size` for its model's
# data preprocessor and sliding window.
_base_ = 'mmseg::_base_/datasets/ade20k.py'

train_dataloader = dict(batch_size=2)
