"""Load pretrained encoder weights into a ``MixMAESwinTransformer``, loudly.

mmengine's ``PretrainedInit`` loads with ``strict=False`` and only logs mismatches, so a wrong
``prefix`` or a checkpoint in another key format leaves the encoder randomly initialised
while training goes on. ``MixMAESwinTransformer.init_weights`` uses
:func:`load_pretrained_backbone` instead, which

* reads any checkpoint :func:`~.backbone_only.backbone_state_dict` understands (ours with or
  without ``backbone.``, the authors', MMPretrain's), converting on the fly;
* resizes the absolute position embedding to the model's grid (bicubic; relative-position
  tables are resized by ``WindowAttention`` itself);
* raises if any encoder weight (patch embedding, any block or patch merging) stays
  unloaded, or if the checkpoint holds encoder weights the model has no place for (e.g. a
  deeper stage, or output norms of stages the model does not return);
* logs the keys that were not in the checkpoint (e.g. the extra output norms of a detection
  backbone, initialised fresh) and the pretraining-only ones it did not use.
"""
import os.path as osp
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log

from .backbone_only import backbone_state_dict
from .checkpoint_io import load_state_dict_file

# Encoder parameters that must come from the checkpoint; output norms of stages the
# checkpoint never returned (norm0-2 for detection) and mix embeddings may be fresh.
_REQUIRED = ('patch_embed.', 'stages.')
# Checkpoint tensors a downstream backbone may lack without losing a trained weight: the
# fixed sin-cos position table, pretraining-only mix embeddings, [MASK] tokens,
# relative-position index buffers (rebuilt at run time) and the output norms of stages the
# model does not return (a detection backbone's norm0-2 loaded for classification). Any
# other unused key is an encoder weight that would be dropped.
_OPTIONAL = ('absolute_pos_embed', 'mix_embeds.', 'mask_token', 'norm')


def _read(checkpoint: str):
    if osp.isfile(checkpoint):
        return load_state_dict_file(checkpoint)
    if '://' in checkpoint:
        from mmengine.runner import CheckpointLoader
        obj = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
        return obj.get('state_dict', obj.get('model', obj))
    raise FileNotFoundError(f'pretrained checkpoint not found: {checkpoint}')


def _resize_pos_embed(table: torch.Tensor, grid: Tuple[int, int], source: str) -> torch.Tensor:
    n = table.shape[1]
    side = int(round(n**0.5))
    if side * side != n:
        raise ValueError(f'{source}: absolute_pos_embed has {n} positions, not a square grid; '
                         f'cannot resize it to {grid}')
    table = table.reshape(1, side, side, -1).permute(0, 3, 1, 2)
    table = F.interpolate(table.float(), size=grid, mode='bicubic', align_corners=False)
    return table.permute(0, 2, 3, 1).reshape(1, grid[0] * grid[1], -1)


def load_pretrained_backbone(backbone: nn.Module,
                             checkpoint: str,
                             prefix: Optional[str] = None,
                             logger: str = 'current') -> Tuple[List[str], List[str]]:
    """Load a checkpoint's encoder weights into ``backbone``.

    Args:
        backbone (MixMAESwinTransformer): The model to fill.
        checkpoint (str): Path (or URL) of the checkpoint.
        prefix (str, optional): Key prefix of the encoder in the checkpoint, e.g.
            ``'backbone.'``; found automatically when None.
        logger (str): mmengine logger name for the report.

    Returns:
        tuple[list[str], list[str]]: Missing keys (kept at their initial values) and
        unexpected keys (ignored; only pretraining-only tensors can be unexpected).

    Raises:
        ValueError: If an encoder weight of the model is not in the checkpoint or has
            another shape, or an encoder weight of the checkpoint is not in the model.
    """
    state = backbone_state_dict(_read(checkpoint), prefix, source=checkpoint)
    own = backbone.state_dict()
    if 'absolute_pos_embed' in state and 'absolute_pos_embed' in own and \
            state['absolute_pos_embed'].shape != own['absolute_pos_embed'].shape:
        state['absolute_pos_embed'] = _resize_pos_embed(
            state['absolute_pos_embed'], tuple(backbone.pos_grid), checkpoint)
    try:
        missing, unexpected = backbone.load_state_dict(state, strict=False)
    except RuntimeError as e:  # shape mismatches are raised even with strict=False
        raise ValueError(f'{checkpoint} does not fit the model: {e}') from e
    lost = [k for k in missing if k.startswith(_REQUIRED)]
    if lost:
        raise ValueError(f'{checkpoint} lacks {len(lost)} encoder weights of the model, '
                         f'e.g. {lost[:10]}; refusing to train from a partly random encoder')
    dropped = [k for k in unexpected
               if not k.startswith(_OPTIONAL) and not k.endswith('relative_position_index')]
    if dropped:
        raise ValueError(f'{checkpoint} has {len(dropped)} encoder weights the model has no '
                         f'place for, e.g. {dropped[:10]}; the checkpoint is from another '
                         f'architecture (depths, widths) than the model')
    print_log(f'loaded {len(state) - len(unexpected)} encoder tensors from {checkpoint}'
              f'{f" (prefix {prefix!r})" if prefix else ""}', logger=logger)
    if missing:
        print_log(f'not in the checkpoint, initialised fresh: {missing}', logger=logger,
                  level=30)
    if unexpected:
        print_log(f'in the checkpoint but not used (pretraining only): {unexpected}',
                  logger=logger, level=30)
    return missing, unexpected

