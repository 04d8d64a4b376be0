"""OpenMMLab backbones that load pretrained weights loudly (for fine-tuning and transfer).

Each class is the OpenMMLab backbone unchanged, with :class:`LoudPretrainedMixin` in front: an
``init_cfg=dict(type='Pretrained', ...)`` raises when an encoder weight is missing, unplaceable
or of another shape, instead of mmengine's warning. Size-dependent tables are adapted on load:
ViT position tables by MMPretrain's own load hook (bicubic), Swin relative-position tables and
PVT position tables here (bicubic), so a 128-px FastMIM checkpoint fine-tunes at 224 or 384.
"""
from typing import Dict

import torch
from mmpretrain.models.backbones import SVT, ConvNeXt, SwinTransformer, VisionTransformer
from mmpretrain.registry import MODELS

from ..utils.pos_embed import resize_pos_embed, resize_rel_pos_bias_table
from ..utils.pretrained import LoudPretrainedMixin


@MODELS.register_module()
class LoudVisionTransformer(LoudPretrainedMixin, VisionTransformer):
    """MMPretrain's ``VisionTransformer`` with loud pretrained loading.

    The downstream encoder of the ViT pretraining methods (FastMIM, MixedAE, MixMAE on ViT).
    The position table is resized by the parent's load hook (8x8 -> 14x14 for 128 -> 224 px).
    With ``out_type='avg_featmap'`` and ``final_norm=False`` (MAE's fine-tuning recipe) the
    pretraining's final norm ``ln1`` is not used and the pooled-feature norm ``ln2`` is new;
    with ``final_norm=True`` a checkpoint's ``ln1`` must load.
    """

    pretrained_optional_keys = ('ln2.', )

    @property
    def pretrained_ignored_keys(self):
        return ('mask_token', ) if self.final_norm else ('ln1.', 'mask_token')


@MODELS.register_module()
class LoudSwinTransformer(LoudPretrainedMixin, SwinTransformer):
    """MMPretrain's ``SwinTransformer`` with loud pretrained loading.

    Relative-position tables of another window are resized bicubically to the model's (window
    4 -> 7 for Swin-B 128 -> 224 px, 8 -> 14 for Swin-L; FastMIM A.3.2); output norms of stages
    the pretraining did not return (``norm0-2`` of a dense backbone) are initialised fresh.
    """

    pretrained_optional_keys = ('norm0.', 'norm1.', 'norm2.')
    pretrained_ignored_keys = ('mask_token', )

    def adapt_pretrained_state(self, state: Dict[str, torch.Tensor],
                               source: str) -> Dict[str, torch.Tensor]:
        own = self.state_dict()
        for key, value in state.items():
            if key.endswith('relative_position_bias_table') and key in own and \
                    value.shape != own[key].shape:
                side = int(round(own[key].shape[0]**0.5))
                window = (side + 1) // 2
                state[key] = resize_rel_pos_bias_table(value, (window, window))
            elif key.endswith('relative_position_index') and key in own:
                # A fixed function of the window: the model's own is the right one.
                state[key] = own[key]
        return state


@MODELS.register_module()
class LoudConvNeXt(LoudPretrainedMixin, ConvNeXt):
    """MMPretrain's ``ConvNeXt`` (V1 and V2) with loud pretrained loading."""

    pretrained_ignored_keys = ('mask_token', )


@MODELS.register_module()
class LoudSVT(LoudPretrainedMixin, SVT):
    """MMPretrain's Twins ``SVT`` with loud pretrained loading."""

    pretrained_ignored_keys = ('mask_token', )


def _register_pvt():
    """Loud versions of mmdet's PVT v1/v2 in MMPretrain's registry, returning tuples (as
    MMPretrain necks expect) and resizing PVT v1's per-stage position tables on load."""
    try:
        from mmdet.models.backbones.pvt import PyramidVisionTransformer, PyramidVisionTransformerV2
    except ImportError:  # mmdet is optional for MMPretrain users
        return

    class _LoudPVT(LoudPretrainedMixin):
        pretrained_ignored_keys = ('mask_token', )

        def adapt_pretrained_state(self, state, source):
            own = self.state_dict()
            for key, value in state.items():
                if key.endswith('pos_embed') and key in own and value.shape != own[key].shape:
                    side = int(round(own[key].shape[1]**0.5))
                    state[key] = resize_pos_embed(value, (side, side), source=f'{source}:{key}')
            return state

        def forward(self, x):
            return tuple(super().forward(x))

    for parent in (PyramidVisionTransformer, PyramidVisionTransformerV2):
        name = f'Loud{parent.__name__}'
        cls = type(
            name, (_LoudPVT, parent),
            dict(
                __module__=__name__,
                __doc__=f"mmdet's ``{parent.__name__}`` for MMPretrain, with loud pretrained "
                f'loading.'))
        MODELS.register_module(name=name, module=cls)


_register_pvt()
