"""The interfaces between the mixing algorithms (MixMAE, MixedAE) and their encoders."""
from typing import Tuple

import torch
import torch.nn.functional as F


class MixingGrid:
    """The size part of mixing: an encoder whose inputs are mixed on a ``mask_unit`` grid.

    Every encoder whose input is a mixture of images on a grid of ``mask_unit``-pixel cells
    (MixMAE's :class:`MixingEncoder` encoders, MixedAE's ``MixedAEViT``) declares its grid
    here, and the algorithms ask the encoder instead of repeating its defaults. A subclass
    sets, in ``__init__``:

    - ``img_size`` (tuple[int, int]): the pretraining input size, which fixes the
      decoder's grid and position table;
    - ``mask_unit`` (int): side in pixels of one mixing-mask cell;
    - ``encoder_stride`` (int): stride in pixels of the tokens the encoder ends with
      (``mask_unit`` must be a multiple of it: a token never straddles two cells);

    and calls :meth:`check_mask_unit`. An encoder with stricter size rules (windows that
    must tile every stage) adds them in :meth:`check_stage_sizes`.
    """

    img_size: Tuple[int, int]
    mask_unit: int
    encoder_stride: int

    def check_mask_unit(self) -> None:
        """Raise unless ``mask_unit`` is a whole number of final tokens, and ``img_size``
        can be mixed."""
        if self.mask_unit % self.encoder_stride:
            raise ValueError(f'mask_unit={self.mask_unit} must be a multiple of the encoder '
                             f'stride {self.encoder_stride} ({self.stride_rule()})')
        self.check_mixing_size(self.img_size)

    def stride_rule(self) -> str:
        """How ``encoder_stride`` follows from the architecture, for error messages."""
        return 'the product of the stage strides'

    def mask_grid(self, size: Tuple[int, int]) -> Tuple[int, int]:
        """The mask grid ``(gh, gw)`` of an input of ``size`` pixels."""
        return size[0] // self.mask_unit, size[1] // self.mask_unit

    def check_mixing_size(self, size, source: str = 'backbone.img_size') -> None:
        """Raise unless inputs of ``size`` can be mixed (whole mask cells, and whatever
        :meth:`check_stage_sizes` adds).

        Args:
            size (tuple[int, int]): Input height and width in pixels.
            source (str): The setting that gave ``size``, named in the error.
        """
        size = tuple(size)
        for side in size:
            if side % self.mask_unit:
                raise ValueError(f'{source}: input size {size[0]}x{size[1]} is not divisible by '
                                 f'mask_unit={self.mask_unit} (backbone.mask_unit)')
        self.check_stage_sizes(size, source)

    def check_stage_sizes(self, size: Tuple[int, int], source: str) -> None:
        """Further size rules of the encoder; none by default."""

    def check_mixed_input(self, x: torch.Tensor, group_ids: torch.Tensor) -> None:
        """Raise unless the images ``x`` match the mask grid of ``group_ids``."""
        grid = tuple(group_ids.shape[1:])
        if self.mask_grid(x.shape[2:]) != grid or x.shape[2] % self.mask_unit or \
                x.shape[3] % self.mask_unit:
            raise ValueError(f'input {tuple(x.shape[2:])} does not match a {grid} mask '
                             f'grid of mask_unit={self.mask_unit}')


class MixingEncoder(MixingGrid):
    """What :class:`~mixmim_mm.models.algorithms.MixMAE` needs from its encoder.

    Mix this class into a backbone (before the ``nn.Module`` base) to make it a MixMAE
    encoder. The algorithm, decoder and head rely on nothing else, so Swin, ViT, PVT and
    Twins are driven by the same code. Beside the grid of :class:`MixingGrid`, a subclass
    sets ``mixed_channels`` (int), the width of the tokens :meth:`forward_mixed` returns
    (the decoder's ``in_channels``), and implements :meth:`forward_mixed`.
    ``forward(x, plan, group_ids)`` dispatches to it, ``forward(x)`` stays the backbone's
    ordinary forward.
    """

    mixed_channels: int

    def init_cell_aligned_pyramid(self,
                                  img_size,
                                  mask_unit: int,
                                  patch_sizes,
                                  strides,
                                  sr_ratios,
                                  paddings=None) -> None:
        """Set the interface attributes of a PVT-like pyramid (the last stage's stride is
        ``encoder_stride``) and check it with :func:`check_cell_aligned_pyramid`."""
        self.img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        self.mask_unit = mask_unit
        self.stage_strides = check_cell_aligned_pyramid(
            type(self).__name__, mask_unit, patch_sizes, strides, sr_ratios, paddings)
        self.encoder_stride = self.stage_strides[-1]
        self.check_mask_unit()

    def pool_to_mask_grid(self, x: torch.Tensor) -> torch.Tensor:
        """``(M, h, w, C)`` final tokens -> ``(M, gh*gw, C)``, one token per mask cell.

        All tokens of one cell come from the same image, so averaging them mixes nothing.
        """
        ratio = self.mask_unit // self.encoder_stride
        if ratio > 1:
            x = F.avg_pool2d(x.permute(0, 3, 1, 2), ratio).permute(0, 2, 3, 1)
        return x.flatten(1, 2)

    def forward_mixed(self, x: torch.Tensor, plan: torch.Tensor,
                      group_ids: torch.Tensor) -> torch.Tensor:
        """Encode mixtures of images.

        Args:
            x (torch.Tensor): ``(B, C, H, W)`` images.
            plan (torch.Tensor): ``(M, N)`` batch indices mixed into each input.
            group_ids (torch.Tensor): ``(M, H/mask_unit, W/mask_unit)`` group ids: cell
                ``(i, j)`` of mixed input ``m`` shows image ``plan[m, id]``.

        Returns:
            torch.Tensor: ``(M, L, mixed_channels)`` normed tokens on the mask grid
            (``L = H*W/mask_unit**2``), each computed from its own image only.
        """
        raise NotImplementedError

    def dispatch_forward(self, x, plan, group_ids):
        """``forward_mixed`` when ``plan`` and ``group_ids`` are given, else None."""
        if (plan is None) != (group_ids is None):
            raise ValueError('plan and group_ids must be given together')
        if plan is None:
            return None
        self.check_mixed_input(x, group_ids)
        return self.forward_mixed(x, plan, group_ids)


def check_cell_aligned_pyramid(name: str,
                               mask_unit: int,
                               patch_sizes,
                               strides,
                               sr_ratios,
                               paddings=None):
    """Check that a PVT-like pyramid never combines two mask cells; return stage strides.

    Patch embeddings must not overlap (kernel == stride, no padding), and a spatially
    reduced key of stage ``i`` (an ``sr x sr`` stride-``sr`` pooling of tokens of stride
    ``s_i``) covers ``s_i * sr`` px, which must divide ``mask_unit``: then every pooled
    key is computed from one cell, i.e. one image, and masking on the key grid is exact.
    """
    if list(patch_sizes) != list(strides) or any(paddings or []):
        raise ValueError(f'{name}: patch_sizes={list(patch_sizes)} must equal '
                         f'strides={list(strides)} with no padding: an overlapping patch '
                         'embedding would mix neighbouring images')
    stage_strides, s = [], 1
    for i, (stride, sr) in enumerate(zip(strides, sr_ratios)):
        s *= stride
        stage_strides.append(s)
        if mask_unit % (s * sr):
            raise ValueError(f'{name}: a pooled key of stage {i} covers {s * sr} px (stride {s} '
                             f'x sr_ratio {sr}), which does not divide mask_unit={mask_unit}: '
                             'it would pool tokens of two images')
    return stage_strides


def pyramid_layer_depth(depths, stage=None, block=None):
    """Layer id for layer-wise lr decay in a multi-stage encoder, and the number of ids.

    The stem is layer 0, block ``j`` of stage ``i`` is ``sum(depths[:i]) + j + 1``, a
    stage's entry (``block=None``: downsampling, position embedding) belongs with its
    first block, and everything outside the stages (``stage=None``) is the last layer.
    """
    num_layers = sum(depths) + 2
    if stage is None:
        return num_layers - 1, num_layers
    if block is None:
        return (0 if stage == 0 else sum(depths[:stage]) + 1), num_layers
    return sum(depths[:stage]) + block + 1, num_layers
