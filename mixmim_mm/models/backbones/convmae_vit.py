"""ConvMAE's hybrid convolution-transformer encoder (ConvViT) with masked convolution.

Gao et al., "ConvMAE: Masked Convolution Meets Masked Autoencoders" (NeurIPS 2022,
arXiv:2205.03892, published as MCMAE). The encoder has three stages at strides 4, 8 and 16:

* stages 1 and 2: non-overlapping strided-conv patch embeddings (4x4, then 2x2) followed by
  convolution blocks, which are transformer blocks whose self-attention is replaced by a 5x5
  depth-wise convolution;
* stage 3: a 2x2 strided-conv patch embedding, a linear projection, a fixed 2-D sin-cos
  position embedding and plain transformer blocks.

During pretraining the random mask is drawn on the 1/16 grid (one cell = a 16x16 pixel block)
and upsampled to the 1/4 and 1/8 grids, so the three stages see the same masked area.
Masked convolution zeroes the masked positions before every depth-wise convolution; since the
patch embeddings and every other operation are position-wise or non-overlapping and aligned
with the 16x16 blocks, a visible token never sees masked pixels. Only the visible tokens enter
stage 3 (as in MAE). Multi-scale fusion: the stage-1 and stage-2 maps are brought to the 1/16
grid by strided convolutions (4x4 and 2x2) and added to the stage-3 output of the visible
tokens before the final norm.

Without masking (fine-tuning, feature extraction) the module is a plain ConvViT classifier
backbone: the fusion convolutions are not used (and can be left out with ``with_fusion=False``).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule, ModuleList
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.models.utils import build_norm_layer
from mmpretrain.registry import MODELS

from ..utils.mask_sampling import random_token_masking, upsample_cells
from ..utils.pos_embed import resize_pos_embed, sincos_pos_embed_2d
from ..utils.pretrained import LoudPretrainedMixin

# Stage strides are fixed by the method: 4 * 2 * 2 = 16 pixels per stage-3 token.
STAGE_STRIDES = (4, 2, 2)
TOKEN_STRIDE = 16


def _gather_tokens(x: torch.Tensor, ids_keep: torch.Tensor) -> torch.Tensor:
    """Select ``ids_keep`` tokens from ``(B, L, C)``."""
    return x.gather(1, ids_keep.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channel dimension of a ``(B, C, H, W)`` map."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConvPatchEmbed(nn.Module):
    """Non-overlapping strided convolution, channel LayerNorm and GELU (ConvMAE's embedding).

    Args:
        in_channels (int): Input channels.
        embed_dims (int): Output channels.
        stride (int): Kernel size and stride.
        norm_eps (float): LayerNorm epsilon (PyTorch's default 1e-5 in the authors' code).
    """

    def __init__(self, in_channels: int, embed_dims: int, stride: int, norm_eps: float = 1e-5):
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dims, kernel_size=stride, stride=stride)
        self.norm = ChannelLayerNorm(embed_dims, eps=norm_eps)
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.norm(self.proj(x)))


class MaskedConvBlock(nn.Module):
    """ConvMAE's convolution block with optional masked convolution.

    A transformer block whose token mixer is ``1x1 conv -> 5x5 depth-wise conv -> 1x1 conv``
    and whose MLP uses 1x1 convolutions. When a visibility map is given, masked positions are
    zeroed right before the depth-wise convolution, the only operation in the block that mixes
    positions, so visible outputs depend on visible inputs only.

    Args:
        embed_dims (int): Channels.
        mlp_ratio (float): Hidden/embed ratio of the MLP.
        kernel_size (int): Depth-wise kernel size. Defaults to 5.
        drop_path_rate (float): Stochastic depth rate.
        norm_eps (float): LayerNorm epsilon; the authors use PyTorch's default 1e-5 here.
    """

    def __init__(self,
                 embed_dims: int,
                 mlp_ratio: float = 4.,
                 kernel_size: int = 5,
                 drop_path_rate: float = 0.,
                 norm_eps: float = 1e-5):
        super().__init__()
        self.norm1 = ChannelLayerNorm(embed_dims, eps=norm_eps)
        self.conv1 = nn.Conv2d(embed_dims, embed_dims, 1)
        self.dwconv = nn.Conv2d(
            embed_dims, embed_dims, kernel_size, padding=kernel_size // 2, groups=embed_dims)
        self.conv2 = nn.Conv2d(embed_dims, embed_dims, 1)
        self.norm2 = ChannelLayerNorm(embed_dims, eps=norm_eps)
        hidden = int(embed_dims * mlp_ratio)
        self.mlp = nn.Sequential(
            nn.Conv2d(embed_dims, hidden, 1), nn.GELU(), nn.Conv2d(hidden, embed_dims, 1))
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()

    def forward(self, x: torch.Tensor, visible: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Args: x (B, C, H, W); visible (B, 1, H, W) with 1 = visible, or None."""
        y = self.conv1(self.norm1(x))
        if visible is not None:
            y = y * visible
        x = x + self.drop_path(self.conv2(self.dwconv(y)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


@MODELS.register_module()
class ConvMAEViT(LoudPretrainedMixin, BaseModule):
    """ConvMAE's hybrid encoder (ConvViT) for masked pretraining and for fine-tuning.

    ``forward(x, mask=True)`` runs ConvMAE pretraining: block-wise random masking on the 1/16
    grid, masked convolution in stages 1-2, stage 3 on the visible tokens only, multi-scale
    fusion, final norm; it returns ``(latent, mask, ids_restore)`` like MMPretrain's
    ``MAEViT``. ``forward(x)`` (``mask`` False/None) runs the unmasked encoder and returns a
    tuple of features selected by ``out_indices`` and ``out_type``.

    Args:
        arch (str | dict): ``'b'`` (ConvMAE-Base: dims 256/384/768, depths 2/2/11, 12 heads,
            MLP ratios 4/4/4, from the authors' ``convmae_convvit_base_patch16``) or a dict with
            keys ``embed_dims`` (3 ints), ``depths`` (3 ints), ``num_heads`` (int) and
            optionally ``mlp_ratios`` (3 floats, default 4).
        img_size (int | tuple): Nominal input size; sets the stored position-embedding grid
            (inputs of other sizes divisible by 16 are accepted). Defaults to 224.
        in_channels (int): Input channels. Defaults to 3.
        mask_ratio (float): Fraction of 16x16 blocks masked in pretraining. Defaults to 0.75.
        drop_path_rate (float): Stochastic depth rate, linearly increased over all blocks of
            the three stages (as the authors do). Defaults to 0.
        with_fusion (bool): Build the stage-1/2 -> 1/16 fusion convolutions used in
            pretraining. Set False for fine-tuning, where they are unused. Defaults to True.
        learnable_pos_embed (bool): Train the stage-3 position embedding (fine-tuning, as the
            authors do); otherwise it stays the fixed sin-cos table. Defaults to False.
        out_indices (Sequence[int]): Stages (0, 1, 2) returned by the unmasked forward.
            Stages 0/1 are returned as ``(B, C, H/4, W/4)``/``(B, C, H/8, W/8)`` maps.
            Defaults to ``(2, )``.
        out_type (str): Form of the stage-3 output in the unmasked forward: ``'raw'``
            (B, L, C) tokens, ``'featmap'`` (B, C, H/16, W/16) or ``'avg_featmap'`` (B, C)
            token mean. Defaults to ``'raw'``.
        final_norm (bool): Build the final LayerNorm ``norm`` and apply it to the stage-3
            tokens (required for pretraining). With ``final_norm=False`` and
            ``out_type='avg_featmap'`` a new ``fc_norm`` normalises the pooled token instead,
            the authors' global-pool fine-tuning head. Defaults to True.
        frozen_stages (int): Freeze (no grad, eval mode) stages up to this one: 1 = stage-1
            embedding and blocks, 2 = also stage 2, 3 = the whole encoder (linear probing).
            -1 or 0 freezes nothing. Defaults to -1.
        conv_norm_eps (float): LayerNorm epsilon of the convolution stages and patch
            embeddings (PyTorch default in the authors' code). Defaults to 1e-5.
        norm_cfg (dict): Norm of the transformer blocks and final norms.
            Defaults to ``dict(type='LN', eps=1e-6)``.
        init_cfg (dict | list, optional): Initialisation config; a ``Pretrained`` entry loads
            loudly (:func:`~mixmim_mm.models.utils.pretrained.load_pretrained`).
    """
    # A fine-tuning encoder's new pooled-token norm may be fresh; the pretraining fusion
    # convolutions and the final norm (unused with ``final_norm=False``) may go unused.
    pretrained_optional_keys = ('fc_norm.', )
    pretrained_ignored_keys = ('stage1_fusion.', 'stage2_fusion.', 'norm.')

    arch_zoo: Dict[str, dict] = {
        'b':
        dict(embed_dims=[256, 384, 768], depths=[2, 2, 11], num_heads=12, mlp_ratios=[4, 4, 4]),
        'base':
        dict(embed_dims=[256, 384, 768], depths=[2, 2, 11], num_heads=12, mlp_ratios=[4, 4, 4]),
    }
    OUT_TYPES = ('raw', 'featmap', 'avg_featmap')

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: Union[int, Sequence[int]] = 224,
                 in_channels: int = 3,
                 mask_ratio: float = 0.75,
                 drop_path_rate: float = 0.,
                 with_fusion: bool = True,
                 learnable_pos_embed: bool = False,
                 out_indices: Sequence[int] = (2, ),
                 out_type: str = 'raw',
                 final_norm: bool = True,
                 frozen_stages: int = -1,
                 conv_norm_eps: float = 1e-5,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(init_cfg=init_cfg)
        self.arch_settings = self._parse_arch(arch)
        dims = self.arch_settings['embed_dims']
        depths = self.arch_settings['depths']
        mlp_ratios = self.arch_settings['mlp_ratios']
        num_heads = self.arch_settings['num_heads']
        self.embed_dims = dims[2]
        self.num_layers = depths[2]

        img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        if len(img_size) != 2 or img_size[0] % TOKEN_STRIDE or img_size[1] % TOKEN_STRIDE:
            raise ValueError(f'ConvMAEViT: img_size={img_size} must be two sizes divisible by '
                             f'the total stride {TOKEN_STRIDE}')
        self.img_size = img_size
        self.grid_size = (img_size[0] // TOKEN_STRIDE, img_size[1] // TOKEN_STRIDE)
        if not 0 <= mask_ratio < 1:
            raise ValueError(f'ConvMAEViT: mask_ratio={mask_ratio} must be in [0, 1)')
        self.mask_ratio = mask_ratio
        if out_type not in self.OUT_TYPES:
            raise ValueError(f'ConvMAEViT: out_type={out_type!r} is not one of {self.OUT_TYPES}')
        self.out_type = out_type
        out_indices = [out_indices] if isinstance(out_indices, int) else list(out_indices)
        for i in out_indices:
            if i not in (0, 1, 2, -1):
                raise ValueError(f'ConvMAEViT: out_indices={out_indices} must be stages 0, 1, 2')
        self.out_indices = sorted({i % 3 for i in out_indices})
        self.final_norm = final_norm
        self.with_fusion = with_fusion
        self.learnable_pos_embed = learnable_pos_embed

        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        self.patch_embed1 = ConvPatchEmbed(in_channels, dims[0], STAGE_STRIDES[0], conv_norm_eps)
        self.stage1 = ModuleList([
            MaskedConvBlock(dims[0], mlp_ratios[0], drop_path_rate=dpr[i], norm_eps=conv_norm_eps)
            for i in range(depths[0])
        ])
        self.patch_embed2 = ConvPatchEmbed(dims[0], dims[1], STAGE_STRIDES[1], conv_norm_eps)
        self.stage2 = ModuleList([
            MaskedConvBlock(
                dims[1], mlp_ratios[1], drop_path_rate=dpr[depths[0] + i], norm_eps=conv_norm_eps)
            for i in range(depths[1])
        ])
        self.patch_embed3 = ConvPatchEmbed(dims[1], dims[2], STAGE_STRIDES[2], conv_norm_eps)
        # The authors add a linear projection after the last patch embedding.
        self.token_proj = nn.Linear(dims[2], dims[2])
        self.pos_embed = nn.Parameter(
            torch.zeros(1, self.grid_size[0] * self.grid_size[1], dims[2]),
            requires_grad=learnable_pos_embed)
        offset = depths[0] + depths[1]
        self.layers = ModuleList([
            TransformerEncoderLayer(
                embed_dims=dims[2],
                num_heads=num_heads,
                feedforward_channels=int(mlp_ratios[2] * dims[2]),
                drop_path_rate=dpr[offset + i],
                qkv_bias=True,
                norm_cfg=norm_cfg) for i in range(depths[2])
        ])
        if final_norm:
            self.norm = build_norm_layer(norm_cfg, dims[2])
        elif out_type == 'avg_featmap':
            self.fc_norm = build_norm_layer(norm_cfg, dims[2])
        if with_fusion:
            self.stage1_fusion = nn.Conv2d(
                dims[0],
                dims[2],
                STAGE_STRIDES[1] * STAGE_STRIDES[2],
                stride=STAGE_STRIDES[1] * STAGE_STRIDES[2])
            self.stage2_fusion = nn.Conv2d(
                dims[1], dims[2], STAGE_STRIDES[2], stride=STAGE_STRIDES[2])
        self._register_load_state_dict_pre_hook(self._resize_pos_embed_on_load)
        if frozen_stages > 3:
            raise ValueError(f'ConvMAEViT: frozen_stages={frozen_stages} must be <= 3')
        self.frozen_stages = frozen_stages
        self._freeze_stages()

    # ------------------------------------------------------------------ construction helpers
    def _parse_arch(self, arch: Union[str, dict]) -> dict:
        if isinstance(arch, str):
            if arch.lower() not in self.arch_zoo:
                raise ValueError(f'ConvMAEViT: unknown arch {arch!r}; choose from '
                                 f'{sorted(self.arch_zoo)} or pass a dict')
            return dict(self.arch_zoo[arch.lower()])
        if not isinstance(arch, dict):
            raise TypeError(f'ConvMAEViT: arch must be a str or dict, got {type(arch)}')
        missing = {'embed_dims', 'depths', 'num_heads'} - set(arch)
        if missing:
            raise ValueError(f'ConvMAEViT: custom arch misses keys {sorted(missing)}')
        settings = dict(arch)
        settings.setdefault('mlp_ratios', [4, 4, 4])
        for key in ('embed_dims', 'depths', 'mlp_ratios'):
            if len(settings[key]) != 3:
                raise ValueError(f'ConvMAEViT: arch[{key!r}] needs one value per stage (3)')
        if settings['embed_dims'][2] % settings['num_heads']:
            raise ValueError('ConvMAEViT: stage-3 embed_dims must be divisible by num_heads')
        return settings

    def init_weights(self) -> None:
        """Fixed sin-cos position embedding and the authors' linear-style init of the
        stage-3 patch embedding; a ``Pretrained`` checkpoint is loaded after it."""
        super().init_weights()
        table = sincos_pos_embed_2d(self.grid_size, self.embed_dims)
        self.pos_embed.data.copy_(table.unsqueeze(0))
        w = self.patch_embed3.proj.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))

    def _resize_pos_embed_on_load(self, state_dict, prefix, *args, **kwargs):
        """Let checkpoints trained at another input size load (bicubic resize)."""
        key = prefix + 'pos_embed'
        if key not in state_dict or state_dict[key].shape == self.pos_embed.shape:
            return
        state_dict[key] = resize_pos_embed(
            state_dict[key], self.grid_size, source=f'ConvMAEViT: checkpoint {key}')

    def _pos_embed_for(self, grid: Tuple[int, int]) -> torch.Tensor:
        if tuple(grid) == self.grid_size:
            return self.pos_embed
        if self.learnable_pos_embed:
            return resize_pos_embed(self.pos_embed, grid, src_grid=self.grid_size)
        # A fixed table is exact at any size: rebuild it instead of interpolating.
        table = sincos_pos_embed_2d(tuple(grid), self.embed_dims)
        return table.to(self.pos_embed).unsqueeze(0)

    def _frozen_modules(self) -> List[nn.Module]:
        groups = [
            [self.patch_embed1, self.stage1],
            [self.patch_embed2, self.stage2],
            [self.patch_embed3, self.token_proj, self.layers] + [
                getattr(self, name)
                for name in ('norm', 'stage1_fusion', 'stage2_fusion') if hasattr(self, name)
            ],
        ]
        return [m for group in groups[:max(self.frozen_stages, 0)] for m in group]

    def _freeze_stages(self) -> None:
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False
        if self.frozen_stages >= 3:
            self.pos_embed.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        for module in self._frozen_modules():
            module.eval()
        return self

    # ------------------------------------------------------------------------------ forward
    def _check_input(self, x: torch.Tensor) -> Tuple[int, int]:
        if x.dim() != 4 or x.shape[-2] % TOKEN_STRIDE or x.shape[-1] % TOKEN_STRIDE:
            raise ValueError(f'ConvMAEViT expects (B, C, H, W) inputs with H and W divisible by '
                             f'{TOKEN_STRIDE}, got shape {tuple(x.shape)}')
        return x.shape[-2] // TOKEN_STRIDE, x.shape[-1] // TOKEN_STRIDE

    def forward(self, x: torch.Tensor, mask: Optional[bool] = False):
        """Masked pretraining forward (``mask=True``) or plain feature extraction.

        Returns:
            ``(latent, mask, ids_restore)`` when ``mask`` is True, where ``latent`` is
            ``(B, L_visible, C)``, ``mask`` is ``(B, L)`` with 1 = masked and ``ids_restore``
            is ``(B, L)``; otherwise a tuple with one output per ``out_indices`` entry.
        """
        if mask:
            return self.forward_masked(x)
        return self.forward_features(x)

    def forward_masked(self, x: torch.Tensor):
        """ConvMAE pretraining: see the module docstring."""
        if not (self.with_fusion and self.final_norm):
            raise RuntimeError('ConvMAEViT: masked pretraining needs with_fusion=True and '
                               'final_norm=True')
        gh, gw = self._check_input(x)
        b = x.shape[0]
        ids_keep, mask, ids_restore = random_token_masking(
            b, gh * gw, self.mask_ratio, device=x.device)
        # Upsample the 1/16 mask to the 1/4 and 1/8 grids (1 = visible).
        visible16 = (1 - mask).reshape(b, 1, gh, gw).to(x.dtype)
        visible8 = upsample_cells(visible16, 2)
        visible4 = upsample_cells(visible8, 2)

        x = self.patch_embed1(x)
        for block in self.stage1:
            x = block(x, visible4)
        fused1 = self.stage1_fusion(x).flatten(2).transpose(1, 2)
        x = self.patch_embed2(x)
        for block in self.stage2:
            x = block(x, visible8)
        fused2 = self.stage2_fusion(x).flatten(2).transpose(1, 2)
        x = self.patch_embed3(x).flatten(2).transpose(1, 2)
        x = self.token_proj(x) + self._pos_embed_for((gh, gw))

        x = _gather_tokens(x, ids_keep)
        for layer in self.layers:
            x = layer(x)
        x = x + _gather_tokens(fused1, ids_keep) + _gather_tokens(fused2, ids_keep)
        return self.norm(x), mask, ids_restore

    def forward_features(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Unmasked ConvViT forward; outputs follow ``out_indices`` and ``out_type``."""
        gh, gw = self._check_input(x)
        outs = []
        x = self.patch_embed1(x)
        for block in self.stage1:
            x = block(x)
        if 0 in self.out_indices:
            outs.append(x)
        x = self.patch_embed2(x)
        for block in self.stage2:
            x = block(x)
        if 1 in self.out_indices:
            outs.append(x)
        if 2 not in self.out_indices:
            return tuple(outs)
        x = self.patch_embed3(x).flatten(2).transpose(1, 2)
        x = self.token_proj(x) + self._pos_embed_for((gh, gw))
        for layer in self.layers:
            x = layer(x)
        if self.final_norm:
            x = self.norm(x)
        if self.out_type == 'raw':
            outs.append(x)
        elif self.out_type == 'featmap':
            outs.append(x.transpose(1, 2).reshape(x.shape[0], -1, gh, gw))
        else:
            pooled = x.mean(dim=1)
            outs.append(pooled if self.final_norm else self.fc_norm(pooled))
        return tuple(outs)

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer-wise lr-decay depth, as in the authors' fine-tuning code.

        The convolution stages, patch embeddings and position embedding share depth 0,
        transformer layer ``i`` has depth ``i + 1`` and everything else (norms, heads) the
        last depth.
        """
        num_layers = self.num_layers + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        if name.startswith(('patch_embed', 'stage1', 'stage2', 'token_proj', 'pos_embed')):
            return 0, num_layers
        if name.startswith('layers.'):
            return int(name.split('.')[1]) + 1, num_layers
        return num_layers - 1, num_layers
