"""MMPretrain's plain ViT whose pretrained loading fails loudly (fine-tuning and transfer)."""
import math

from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.registry import MODELS

from ..utils import LoudPretrainedMixin


@MODELS.register_module()
class LoudVisionTransformer(LoudPretrainedMixin, VisionTransformer):
    """MMPretrain's ``VisionTransformer``, unchanged, loading a 'Pretrained' ``init_cfg`` loudly.

    The downstream encoder of ViT pretraining methods whose encoder keeps MMPretrain's
    keys (MixedAE: no TopK, no segment embeddings). Any encoder weight missing from the
    checkpoint, or any checkpoint encoder tensor left unused, raises. Two parts are
    expected to differ from a pretraining encoder:

    * ``ln2`` (the norm of the pooled feature with ``out_type='avg_featmap'``) is new and
      initialised fresh;
    * ``ln1`` (the pretraining final norm) is dropped when ``final_norm=False``, as in MAE's
      fine-tuning, which normalises the pooled feature instead.

    The position embedding is resized (``interpolate_mode``) to the model's grid.
    """

    pretrained_optional_keys = ('ln2.', )

    @property
    def pretrained_ignored_keys(self):
        return () if self.final_norm else ('ln1.', )

    def adapt_pretrained_state(self, state, source):
        pos = state.get('pos_embed')
        if pos is not None and pos.shape != self.pos_embed.shape:
            side = int(math.isqrt(pos.shape[1] - self.num_extra_tokens))
            if side * side + self.num_extra_tokens != pos.shape[1]:
                raise ValueError(f'{source}: pos_embed of shape {tuple(pos.shape)} is not a '
                                 f'square grid plus {self.num_extra_tokens} extra token(s)')
            state['pos_embed'] = resize_pos_embed(pos, (side, side), self.patch_resolution,
                                                  self.interpolate_mode, self.num_extra_tokens)
        return state
