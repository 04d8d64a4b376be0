from .mask_sampling import (num_masked_cells, sample_block_mask, sample_group_ids,  # noqa: F401
                            upsample_group_ids)
from .mixing import hidden_mask, mix_tokens, mixing_plan, unmix_tokens  # noqa: F401
from .patchify import denormalize_patches, normalize_patches, patchify, unpatchify  # noqa: F401,E501
from .pos_embed import resize_pos_embed, resize_rel_pos_bias_table, sincos_pos_embed_2d  # noqa: F401,E501
from .pretrained import LoudPretrainedMixin, load_pretrained, register_checkpoint_format  # noqa: F401,E501
from .window_attention import WindowAttention, window_partition, window_reverse  # noqa: F401
from .weight_init import init_transformer_weights  # noqa: F401
from .homologous_attention import HomologousAttention, topk_count, topk_drop_mask  # noqa: F401
from .mixing import mix_images  # noqa: F401
from .pos_embed import sincos_embed_1d  # noqa: F401
from .resolution import set_backbone_input_size, swin_stage_windows  # noqa: F401
from .group_attention import attend_within_groups  # noqa: F401
