from .group_attention import attend_within_groups
from .group_layout import GroupLayout
from .homologous_attention import HomologousAttention, topk_count, topk_drop_mask
from .mask_sampling import (num_masked_cells, random_token_masking, sample_block_mask,
                            sample_group_ids, upsample_cells, upsample_group_ids)
from .mixing import hidden_mask, mix_images, mix_tokens, mixing_plan, sample_mixing, unmix_tokens
from .patchify import denormalize_patches, normalize_patches, patchify, unpatchify
from .pos_embed import (resize_pos_embed, resize_rel_pos_bias_table, sincos_embed_1d,
                        sincos_pos_embed_2d)
from .pretrained import LoudPretrainedMixin, load_pretrained, register_checkpoint_format
from .resolution import set_backbone_input_size, swin_stage_windows
from .transformer_blocks import transformer_blocks
from .weight_init import init_transformer_weights
from .window_attention import WindowAttention, window_partition, window_reverse

__all__ = [
    'attend_within_groups', 'GroupLayout', 'HomologousAttention', 'topk_count', 'topk_drop_mask',
    'num_masked_cells', 'random_token_masking', 'sample_block_mask', 'sample_group_ids',
    'upsample_cells', 'upsample_group_ids', 'hidden_mask', 'mix_images', 'mix_tokens',
    'mixing_plan', 'sample_mixing', 'unmix_tokens', 'denormalize_patches', 'normalize_patches',
    'patchify', 'unpatchify', 'resize_pos_embed', 'resize_rel_pos_bias_table', 'sincos_embed_1d',
    'sincos_pos_embed_2d', 'transformer_blocks', 'LoudPretrainedMixin', 'load_pretrained',
    'register_checkpoint_format', 'set_backbone_input_size', 'swin_stage_windows',
    'init_transformer_weights', 'WindowAttention', 'window_partition', 'window_reverse'
]
