"""What the mixing algorithms (MixMAE, MixedAE) share: the encoder's mask grid and the draw of
a batch's mixing."""
from typing import Optional, Tuple

import torch

from ..utils.mixing import sample_mixing


def fill_decoder_cell(neck: dict, head: dict, cell: int, grid_size: Tuple[int, int],
                      cell_name: str) -> Tuple[dict, dict]:
    """Copies of the ``neck`` and ``head`` configs with the prediction cell and grid filled in.

    The decoder predicts one ``cell`` x ``cell`` block of pixels per token on a ``grid_size``
    grid; both come from the encoder. A config that gives another ``patch_size`` is refused
    (``cell_name`` names the encoder setting in the message).
    """
    neck, head = dict(neck), dict(head)
    neck.setdefault('patch_size', cell)
    neck.setdefault('grid_size', tuple(grid_size))
    head.setdefault('patch_size', cell)
    for name, cfg in (('neck', neck), ('head', head)):
        if cfg['patch_size'] != cell:
            raise ValueError(f"{name}.patch_size={cfg['patch_size']} must equal the "
                             f"backbone's {cell_name}={cell}")
    return neck, head


class MixingAlgorithmMixin:
    """Mixed into an algorithm whose ``backbone`` is a
    :class:`~mixmim_mm.models.backbones.mixing_encoder.MixingGrid`.

    The algorithm sets ``num_images``, ``mixing_plan_mode`` (:func:`mixing_plan`'s mode, also
    read by ``MixingBatchCheckHook``) and may override :attr:`plans_per_group` and
    :attr:`shared_mask`; the mask cell is always the encoder's.
    """

    num_images: int
    mixing_plan_mode: str
    shared_mask: bool = False

    @property
    def plans_per_group(self) -> int:
        """Independent mixings of each group of ``num_images`` images."""
        return 1

    @property
    def mask_unit(self) -> int:
        """Side in pixels of a mixing cell (the encoder's)."""
        return self.backbone.mask_unit

    def extract_feat(self, inputs: torch.Tensor):
        """Features of unmixed images: the encoder's plain forward."""
        return self.backbone(inputs)

    def sample_mixing(
            self,
            inputs: torch.Tensor,
            generator: Optional[torch.Generator] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """Draw the mixing for a batch: ``(M, N)`` plan and ``(M, gh, gw)`` group ids."""
        return sample_mixing(
            inputs,
            self.backbone,
            self.num_images,
            self.mixing_plan_mode,
            plans_per_group=self.plans_per_group,
            shared=self.shared_mask,
            generator=generator)
