"""The MixMAE encoder: a Swin Transformer with large windows and no shifted windows."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS

from ..utils.group_layout import GroupLayout
from ..utils.mask_sampling import upsample_group_ids
from ..utils.mixing import mix_tokens
from ..utils.pos_embed import resize_pos_embed, sincos_pos_embed_2d
from ..utils.pretrained import LoudPretrainedMixin
from ..utils.weight_init import init_transformer_weights
from ..utils.window_attention import (WindowAttention, same_group_mask, window_partition,
                                      window_reverse)
from .mixing_encoder import MixingEncoder

SEPARATIONS = ('masked_attention', 'mix_embedding', 'none')


class PatchEmbed(nn.Module):
    """Non-overlapping ``p x p`` patch projection followed by LayerNorm."""

    def __init__(self, in_channels: int, embed_dims: int, patch_size: int):
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_channels, embed_dims, patch_size, stride=patch_size)
        self.norm = nn.LayerNorm(embed_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` -> ``(B, H/p, W/p, D)``; sizes not divisible by p are padded."""
        p = self.patch_size
        pad_h, pad_w = (-x.shape[2]) % p, (-x.shape[3]) % p
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))
        return self.norm(self.proj(x).permute(0, 2, 3, 1))


class PatchMerging(nn.Module):
    """Swin's 2x2 downsampling: concatenate each 2x2 neighbourhood, LayerNorm, linear 4C->2C.

    The concatenation order is (0,0), (1,0), (0,1), (1,1) in (row, column), the order of
    the original Swin and of the MixMIM authors' checkpoints.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(4 * in_channels)
        self.reduction = nn.Linear(4 * in_channels, out_channels, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, c = x.shape
        if h % 2 or w % 2:
            x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
            h, w = h + h % 2, w + w % 2
        # (B, H/2, row, W/2, col, C) -> (B, H/2, W/2, col, row, C): row varies fastest.
        x = x.view(b, h // 2, 2, w // 2, 2, c).permute(0, 1, 3, 4, 2, 5)
        return self.reduction(self.norm(x.reshape(b, h // 2, w // 2, 4 * c)))


class Mlp(nn.Module):
    """Two-layer feed-forward network with GELU."""

    def __init__(self, embed_dims: int, hidden_dims: int, drop: float = 0.):
        super().__init__()
        self.fc1 = nn.Linear(embed_dims, hidden_dims)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dims, embed_dims)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class MixMAEBlock(nn.Module):
    """Pre-norm window-attention block without window shift.

    Args:
        embed_dims (int): Channels.
        num_heads (int): Attention heads.
        window_size (int): Window side; a feature map smaller than the window is
            attended globally, one that is not a multiple of it is padded.
        mlp_ratio (float): Hidden/embedding width of the MLP.
        qkv_bias (bool): Bias in the qkv projection.
        drop (float): Dropout after projections.
        attn_drop (float): Dropout on attention weights.
        drop_path (float): Stochastic depth rate of this block.
        attn_impl (str): See :class:`WindowAttention`.
    """

    def __init__(self,
                 embed_dims,
                 num_heads,
                 window_size,
                 mlp_ratio=4.,
                 qkv_bias=True,
                 drop=0.,
                 attn_drop=0.,
                 drop_path=0.,
                 attn_impl='auto'):
        super().__init__()
        self.window_size = window_size
        self.norm1 = nn.LayerNorm(embed_dims)
        self.attn = WindowAttention(embed_dims, num_heads, window_size, qkv_bias, attn_drop, drop,
                                    attn_impl)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(embed_dims)
        self.mlp = Mlp(embed_dims, int(embed_dims * mlp_ratio), drop)

    def window_for(self, size: Tuple[int, int]) -> Tuple[int, int]:
        return min(self.window_size, size[0]), min(self.window_size, size[1])

    def attention_mask(self, group_ids: Optional[torch.Tensor], batch_size: int,
                       size: Tuple[int, int]) -> Optional[torch.Tensor]:
        """How this block keeps groups apart: an additive ``(B*nW, 1, n, n)`` mask, a
        :class:`GroupLayout` when one window covers the map, or None if all may attend.

        Tokens attend only within their group (source image). Padding tokens form a
        group of their own (-1), so real tokens never attend to padding.
        """
        window = self.window_for(size)
        pad_h, pad_w = (-size[0]) % window[0], (-size[1]) % window[1]
        if group_ids is None and not (pad_h or pad_w):
            return None
        if group_ids is not None and tuple(window) == tuple(size):
            # One window over the whole map: attend per group instead of masking.
            return GroupLayout(group_ids.flatten(1))
        if group_ids is None:
            group_ids = torch.zeros((batch_size, *size),
                                    dtype=torch.long,
                                    device=self.attn.qkv.weight.device)
        if pad_h or pad_w:
            group_ids = F.pad(group_ids, (0, pad_w, 0, pad_h), value=-1)
        return same_group_mask(window_partition(group_ids, window))

    def forward(self, x: torch.Tensor, group_mask=None) -> torch.Tensor:
        b, h, w, c = x.shape
        window = self.window_for((h, w))
        shortcut = x
        x = self.norm1(x)
        pad_h, pad_w = (-h) % window[0], (-w) % window[1]
        if pad_h or pad_w:
            x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
        size = (h + pad_h, w + pad_w)
        if isinstance(group_mask, GroupLayout):
            x = self.attn(window_partition(x, window), window, layout=group_mask)
        else:
            x = self.attn(window_partition(x, window), window, group_mask)
        x = window_reverse(x, window, size)[:, :h, :w]
        x = shortcut + self.drop_path(x)
        return x + self.drop_path(self.mlp(self.norm2(x)))


class MixMAEStage(nn.Module):
    """An optional 2x downsampling followed by a sequence of :class:`MixMAEBlock`."""

    def __init__(self,
                 in_channels,
                 embed_dims,
                 depth,
                 num_heads,
                 window_sizes,
                 mlp_ratio,
                 qkv_bias,
                 drop,
                 attn_drop,
                 drop_paths,
                 downsample,
                 with_cp=False,
                 attn_impl='auto'):
        super().__init__()
        self.with_cp = with_cp
        self.downsample = PatchMerging(in_channels, embed_dims) if downsample else None
        self.blocks = nn.ModuleList([
            MixMAEBlock(embed_dims, num_heads, window_sizes[i], mlp_ratio, qkv_bias, drop,
                        attn_drop, drop_paths[i], attn_impl) for i in range(depth)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample is not None:
            x = self.downsample(x)
        return self.forward_blocks(x)

    def forward_blocks(self,
                       x: torch.Tensor,
                       group_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Run the blocks on ``(B, H, W, C)`` tokens; ``group_ids`` ``(B, H, W)`` restricts
        attention to tokens of the same group."""
        b, h, w, _ = x.shape
        masks: Dict[Tuple[int, int], Optional[torch.Tensor]] = {}
        for block in self.blocks:
            # Blocks that share a window shape share one mask, built once per stage.
            window = block.window_for((h, w))
            if window not in masks:
                masks[window] = block.attention_mask(group_ids, b, (h, w))
            if self.with_cp and x.requires_grad:
                x = cp.checkpoint(block, x, masks[window], use_reentrant=False)
            else:
                x = block(x, masks[window])
        return x


@MODELS.register_module()
class MixMAESwinTransformer(LoudPretrainedMixin, MixingEncoder, BaseBackbone):
    """MixMAE encoder: Swin with large windows, no shift, and masked self-attention.

    In pretraining (``forward(x, plan, group_ids)``) the patch tokens of several images
    are mixed into one input; every block attends only among tokens of the same source
    image (the mixing mask upsampled by nearest neighbour to each stage). Called with
    images alone (``forward(x)``) it is a standard multi-scale backbone for
    classification, detection and segmentation.

    Args:
        arch (str | dict): ``'mini'``, ``'base'``, ``'large'``, ``'huge'`` or a dict with
            ``embed_dims``, ``depths`` and ``num_heads``.
        img_size (int | tuple): Pretraining input size; it fixes the absolute
            position-embedding grid (resized for other inputs). Defaults to 224.
        patch_size (int): Patch-embedding stride. Defaults to 4.
        in_channels (int): Input channels. Defaults to 3.
        window_size (sequence): Per stage, a window side or a list with one side per
            block (for per-block overrides). Defaults to ``(14, 14, 14, 7)``.
        mask_unit (int): Side in pixels of one mixing-mask cell. It must be a multiple
            of the encoder stride ``patch_size * 2**(num_stages - 1)``. Defaults to 32.
        separation (str): How tokens of different images are kept apart during
            pretraining: ``'masked_attention'`` (the paper's default),
            ``'mix_embedding'`` (a learned vector per image and stage) or ``'none'``
            (the paper's "w/o unmixing" ablation).
        max_images (int): Mix-embedding vectors per stage. Defaults to 5.
        mlp_ratio (float): MLP ratio. Defaults to 4.
        qkv_bias (bool): Bias in qkv projections. Defaults to True.
        drop_rate (float): Dropout rate. Defaults to 0.
        attn_drop_rate (float): Attention dropout rate. Defaults to 0.
        drop_path_rate (float): Stochastic depth rate, linear over blocks. Defaults to 0.
        out_indices (sequence[int]): Stages whose (normed) feature maps are returned by
            ``forward(x)``. Defaults to ``(3,)``.
        frozen_stages (int): Freeze the stem and stages up to this index (-1: none).
        norm_eval (bool): Keep normalisation layers in eval mode during training
            (only affects BatchNorm-like layers). Defaults to False.
        with_cp (bool): Gradient checkpointing per block. Defaults to False.
        attn_impl (str): ``'auto'`` (SDPA, except plain tensor operations for CPU
            training, faster there) or ``'sdpa'`` (always SDPA). Defaults to ``'auto'``.
        init_cfg (dict, optional): Initialisation config. ``dict(type='Pretrained',
            checkpoint=..., prefix='backbone.')`` loads loudly (see
            :func:`~mixmim_mm.models.utils.pretrained.load_pretrained`), also from the
            authors' and MMPretrain's MixMIM checkpoints.
    """

    # Fresh output norms and the fixed position table may be absent from a checkpoint;
    # mix embeddings, [MASK] tokens and a checkpoint's extra output norms are
    # pretraining-only or not part of the feature extractor.
    pretrained_optional_keys = ('norm', 'absolute_pos_embed', 'mix_embeds.', 'mask_token')
    pretrained_ignored_keys = ('absolute_pos_embed', 'mix_embeds.', 'mask_token', 'norm')

    arch_zoo = {
        **dict.fromkeys(['mini'], dict(embed_dims=32, depths=(1, 1, 2, 1), num_heads=(1, 2, 4, 8))),
        **dict.fromkeys(['b', 'base'],
                        dict(embed_dims=128, depths=(2, 2, 18, 2), num_heads=(4, 8, 16, 32))),
        **dict.fromkeys(['l', 'large'],
                        dict(embed_dims=192, depths=(2, 2, 18, 2), num_heads=(6, 12, 24, 48))),
        **dict.fromkeys(['h', 'huge'],
                        dict(embed_dims=352, depths=(2, 2, 18, 2), num_heads=(11, 22, 44, 88))),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: Union[int, Tuple[int, int]] = 224,
                 patch_size: int = 4,
                 in_channels: int = 3,
                 window_size: Sequence = (14, 14, 14, 7),
                 mask_unit: int = 32,
                 separation: str = 'masked_attention',
                 max_images: int = 5,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 out_indices: Sequence[int] = (3, ),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 attn_impl: str = 'auto',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch.lower() not in self.arch_zoo:
                raise KeyError(f'arch={arch!r} is not one of {sorted(set(self.arch_zoo))}')
            arch = self.arch_zoo[arch.lower()]
        missing = {'embed_dims', 'depths', 'num_heads'} - set(arch)
        if missing:
            raise KeyError(f'custom arch misses the keys {sorted(missing)}')
        self.embed_dims = arch['embed_dims']
        self.depths = tuple(arch['depths'])
        self.num_heads = tuple(arch['num_heads'])
        self.num_stages = len(self.depths)
        self.img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        self.patch_size = patch_size
        self.encoder_stride = patch_size * 2**(self.num_stages - 1)
        self.mask_unit = mask_unit
        self.window_sizes = self._expand_window_sizes(window_size)
        if separation not in SEPARATIONS:
            raise ValueError(f'separation must be one of {SEPARATIONS}, got {separation!r}')
        self.separation = separation
        self.check_mask_unit()
        self.out_indices = tuple(i % self.num_stages for i in out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.patch_embed = PatchEmbed(in_channels, self.embed_dims, patch_size)
        grid = (self.img_size[0] // patch_size, self.img_size[1] // patch_size)
        # Fixed 2-D sin-cos table (as the authors and MMPretrain), kept in the state
        # dict so converted checkpoints carry the exact table they were trained with.
        self.absolute_pos_embed = nn.Parameter(
            sincos_pos_embed_2d(grid, self.embed_dims)[None], requires_grad=False)
        self.pos_grid = grid
        self.drop_after_pos = nn.Dropout(drop_rate)

        drop_paths = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.stages = nn.ModuleList()
        self.num_features = []
        in_dims = self.embed_dims
        for i, depth in enumerate(self.depths):
            dims = self.embed_dims * 2**i
            start = sum(self.depths[:i])
            self.stages.append(
                MixMAEStage(
                    in_dims,
                    dims,
                    depth,
                    self.num_heads[i],
                    self.window_sizes[i],
                    mlp_ratio,
                    qkv_bias,
                    drop_rate,
                    attn_drop_rate,
                    drop_paths[start:start + depth],
                    downsample=i > 0,
                    with_cp=with_cp,
                    attn_impl=attn_impl))
            self.num_features.append(dims)
            in_dims = dims
        self.mixed_channels = self.num_features[-1]
        if separation == 'mix_embedding':
            self.mix_embeds = nn.ParameterList(
                [nn.Parameter(torch.zeros(max_images, d)) for d in self.num_features])
        # One norm per stage that is returned; the last also norms the pretraining output.
        for i in sorted(set(self.out_indices) | {self.num_stages - 1}):
            self.add_module(f'norm{i}', nn.LayerNorm(self.num_features[i]))
        self._freeze_stages()

    def _expand_window_sizes(self, window_size):
        if len(window_size) != self.num_stages:
            raise ValueError(f'window_size needs one entry per stage ({self.num_stages}), '
                             f'got {list(window_size)}')
        sizes = []
        for i, (w, depth) in enumerate(zip(window_size, self.depths)):
            per_block = [w] * depth if isinstance(w, int) else list(w)
            if len(per_block) != depth or any(not isinstance(s, int) or s < 1 for s in per_block):
                raise ValueError(f'window_size[{i}]={w!r} must be a positive int or a list of '
                                 f'{depth} positive ints (one per block of stage {i})')
            sizes.append(per_block)
        return sizes

    def stride_rule(self) -> str:
        return 'patch_size * 2**(num_stages-1)'

    def check_stage_sizes(self, size, source: str):
        """Windows must tile every stage exactly (mixed tokens are never padded)."""
        for i, blocks in enumerate(self.window_sizes):
            res = [s // (self.patch_size * 2**i) for s in size]
            for w in set(blocks):
                if any(r > w and r % w for r in res):
                    raise ValueError(
                        f'{source}: backbone.window_size {w} of stage {i} does not tile its '
                        f'{res[0]}x{res[1]} feature map at input size {size[0]}x{size[1]}; '
                        'choose window sizes that divide each stage, or another input size')

    def adapt_pretrained_state(self, state, source):
        """Resize a checkpoint's position table to this model's grid (bicubic); the
        relative-position tables are resized by ``WindowAttention`` itself."""
        table = state.get('absolute_pos_embed')
        own = getattr(self, 'absolute_pos_embed', None)
        if table is not None and own is not None and table.shape != own.shape:
            state = dict(
                state,
                absolute_pos_embed=resize_pos_embed(
                    table, tuple(self.pos_grid), source=f'{source}: absolute_pos_embed'))
        return state

    def init_weights(self):
        super().init_weights()
        init_transformer_weights(self)
        w = self.patch_embed.proj.weight
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        if self.separation == 'mix_embedding':
            for p in self.mix_embeds:
                nn.init.trunc_normal_(p, std=.02)

    def pos_embed_for(self, grid: Tuple[int, int]) -> torch.Tensor:
        """``(1, gh, gw, C)`` position embedding, bicubically resized to ``grid`` if needed."""
        table = resize_pos_embed(self.absolute_pos_embed, grid, src_grid=self.pos_grid)
        return table.view(1, *grid, -1)

    def forward(self,
                x: torch.Tensor,
                plan: Optional[torch.Tensor] = None,
                group_ids: Optional[torch.Tensor] = None):
        """Encode images, or mixtures of images.

        Args:
            x (torch.Tensor): ``(B, C, H, W)`` images.
            plan (torch.Tensor, optional): ``(M, N)`` batch indices mixed into each input.
            group_ids (torch.Tensor, optional): ``(M, H/mask_unit, W/mask_unit)`` group
                ids: cell ``(i, j)`` of mixed input ``m`` shows image ``plan[m, id]``.

        Returns:
            tuple[torch.Tensor] | torch.Tensor: Without mixing, a tuple of ``(B, C_i,
            H_i, W_i)`` feature maps for ``out_indices``. With mixing, the normed final
            tokens ``(M, L, C)`` on the mask grid (``L = H*W/mask_unit**2``).
        """
        mixed = self.dispatch_forward(x, plan, group_ids)
        if mixed is not None:
            return mixed
        x = self.patch_embed(x)
        x = self.drop_after_pos(x + self.pos_embed_for(x.shape[1:3]))
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(getattr(self, f'norm{i}')(x).permute(0, 3, 1, 2).contiguous())
        return tuple(outs)

    def forward_mixed(self, x: torch.Tensor, plan: torch.Tensor,
                      group_ids: torch.Tensor) -> torch.Tensor:
        """Pretraining forward on mixed inputs; see :meth:`forward`."""
        x = self.patch_embed(x)
        x = mix_tokens(x, plan, upsample_group_ids(group_ids, x.shape[1:3]))
        x = self.drop_after_pos(x + self.pos_embed_for(x.shape[1:3]))
        for i, stage in enumerate(self.stages):
            if stage.downsample is not None:
                x = stage.downsample(x)
            ids = upsample_group_ids(group_ids, x.shape[1:3])
            if self.separation == 'mix_embedding':
                x = x + self.mix_embeds[i][ids].to(x.dtype)
            x = stage.forward_blocks(x, ids if self.separation == 'masked_attention' else None)
        return self.pool_to_mask_grid(getattr(self, f'norm{self.num_stages - 1}')(x))

    def _freeze_stages(self):
        if self.frozen_stages < 0:
            return
        self.patch_embed.eval()
        for p in self.patch_embed.parameters():
            p.requires_grad = False
        for i in range(self.frozen_stages + 1):
            stage = self.stages[i]
            stage.eval()
            for p in stage.parameters():
                p.requires_grad = False
            norm = getattr(self, f'norm{i}', None)
            if norm is not None and i in self.out_indices:
                norm.eval()
                for p in norm.parameters():
                    p.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        """Layer id of a parameter for layer-wise lr decay (see the optimizer constructor).

        The stem (patch embedding, position embedding) is layer 0, block ``j`` of stage
        ``i`` is ``sum(depths[:i]) + j + 1``, a stage's downsampling belongs with its
        first block, and everything after the encoder is the last layer.
        """
        num_layers = sum(self.depths) + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        if name.startswith(('patch_embed', 'absolute_pos_embed')):
            return 0, num_layers
        if name.startswith('stages.'):
            parts = name.split('.')
            stage = int(parts[1])
            block = int(parts[3]) if parts[2] == 'blocks' else 0
            return sum(self.depths[:stage]) + block + 1, num_layers
        if name.startswith('mix_embeds.'):
            return sum(self.depths[:int(name.split('.')[1])]) + 1, num_layers
        return num_layers - 1, num_layers
