"""Forming mixed inputs from several images and splitting them back per image."""
from typing import Optional, Tuple

import torch

from .mask_sampling import sample_group_ids

# How MixMAE picks the images of a mixed input (see mixing_plan); MixedAE has its own modes.
MIXMAE_MIX_MODES = ('flip', 'group')


def mixing_plan(batch_size: int, num_images: int, mode: str, device=None) -> torch.Tensor:
    """Which batch samples are mixed into each mixed input.

    Args:
        batch_size (int): Number of images ``B`` in the batch.
        num_images (int): Images per mixed input ``N``.
        mode (str): ``'flip'`` pairs sample ``i`` with sample ``B-1-i`` and gives
            ``B`` mixed inputs (the pairing of the MixMIM authors and MMPretrain;
            every image appears twice, once in each role). ``'group'`` splits the
            batch into ``B/N`` disjoint groups of ``N`` consecutive samples (the
            sampler already shuffles), so each image is encoded once.

    Returns:
        torch.LongTensor: ``(M, N)`` indices into the batch; column ``g`` is the
        image visible where the group id is ``g``.
    """
    if mode == 'flip':
        if num_images != 2:
            raise ValueError(f"mix_mode='flip' mixes exactly 2 images, got num_images={num_images}")
        if batch_size % 2:
            raise ValueError(
                f"mix_mode='flip' needs an even batch size, got {batch_size}: the middle "
                'sample would be mixed with itself. Use drop_last=True and an even batch_size.')
        idx = torch.arange(batch_size, device=device)
        return torch.stack([idx, idx.flip(0)], dim=1)
    if mode == 'group':
        if batch_size % num_images:
            raise ValueError(
                f"mix_mode='group' with num_images={num_images} needs a batch size divisible by "
                f'{num_images}, got {batch_size}. Set train_dataloader.batch_size to a multiple '
                'of num_images and drop_last=True.')
        return torch.arange(batch_size, device=device).view(-1, num_images)
    raise ValueError(f'mix_mode must be one of {MIXMAE_MIX_MODES}, got {mode!r}')


def sample_mixing(inputs: torch.Tensor,
                  encoder,
                  num_images: int,
                  plan_mode: str,
                  plans_per_group: int = 1,
                  shared: bool = False,
                  generator: Optional[torch.Generator] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Draw the mixing of a batch on the encoder's mask grid (MixMAE's and MixedAE's).

    Args:
        inputs (torch.Tensor): ``(B, C, H, W)`` batch; its size is checked by the encoder
            (a :class:`~mixmim_mm.models.backbones.mixing_encoder.MixingGrid`), since crops
            other than ``backbone.img_size`` reach here from the data pipeline.
        encoder (MixingGrid): Declares ``mask_unit`` and the size rules.
        num_images (int): Images per mixed input ``N``.
        plan_mode (str): :func:`mixing_plan`'s ``mode``.
        plans_per_group (int): Independent mixings of each plan row (MixedAE's ``'full'``
            mode mixes every group ``N`` times). Defaults to 1.
        shared (bool): One group-id map for the whole batch (:func:`sample_group_ids`).
            Defaults to False.
        generator (torch.Generator, optional): Source of randomness of the group ids.

    Returns:
        tuple: ``(M, N)`` plan and ``(M, gh, gw)`` group ids.
    """
    b, _, h, w = inputs.shape
    encoder.check_mixing_size((h, w), source='input batch from the data pipeline')
    plan = mixing_plan(b, num_images, plan_mode, device=inputs.device)
    if plans_per_group > 1:
        plan = plan.repeat_interleave(plans_per_group, dim=0)
    group_ids = sample_group_ids(
        plan.shape[0],
        encoder.mask_grid((h, w)),
        num_images,
        shared=shared,
        generator=generator,
        device=inputs.device)
    return plan, group_ids


def mix_tokens(tokens: torch.Tensor, plan: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
    """Build mixed inputs: position ``p`` of mixed input ``m`` takes the token of image
    ``plan[m, group_ids[m, p]]``.

    Args:
        tokens (torch.Tensor): ``(B, H, W, C)`` tokens of every image in the batch.
        plan (torch.Tensor): ``(M, N)`` from :func:`mixing_plan`.
        group_ids (torch.Tensor): ``(M, H, W)`` group ids at the token resolution.

    Returns:
        torch.Tensor: ``(M, H, W, C)`` mixed tokens.
    """
    # A gather per group and a select: cheaper to differentiate than one advanced index,
    # whose backward is an accumulating scatter.
    ids = group_ids[..., None]
    mixed = tokens[plan[:, 0]]
    for g in range(1, plan.shape[1]):
        mixed = torch.where(ids == g, tokens[plan[:, g]], mixed)
    return mixed


def unmix_tokens(tokens: torch.Tensor, group_ids: torch.Tensor, mask_token: torch.Tensor,
                 groups: torch.Tensor) -> torch.Tensor:
    """Split mixed tokens into one sequence per image, ``mask_token`` where it is hidden.

    Args:
        tokens (torch.Tensor): ``(M, L, D)`` tokens of the mixed inputs.
        group_ids (torch.Tensor): ``(M, L)`` group ids.
        mask_token (torch.Tensor): ``(D,)`` or broadcastable filler.
        groups (torch.Tensor): ``(G,)`` the groups (images) to rebuild.

    Returns:
        torch.Tensor: ``(M, G, L, D)``.
    """
    visible = group_ids[:, None, :] == groups.view(1, -1, 1)
    return torch.where(visible[..., None], tokens[:, None], mask_token.to(tokens.dtype))


def hidden_mask(group_ids: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """``(M, G, L)`` float mask, 1 where image ``groups[g]`` is hidden (scored by the loss)."""
    return (group_ids[:, None, :] != groups.view(1, -1, 1)).float()


def mix_images(images: torch.Tensor, plan: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
    """Mix in pixel space: cell ``(i, j)`` of mixed image ``m`` shows image
    ``plan[m, group_ids[m, i, j]]``, at its own position.

    Mixing before the patch embedding equals mixing the embedded tokens (the embedding is
    per patch) but embeds only the ``M`` mixed images instead of all ``B``.

    Args:
        images (torch.Tensor): ``(B, C, H, W)`` images.
        plan (torch.Tensor): ``(M, N)`` from :func:`mixing_plan`.
        group_ids (torch.Tensor): ``(M, gh, gw)`` group ids; ``H``, ``W`` must be
            multiples of ``gh``, ``gw``.

    Returns:
        torch.Tensor: ``(M, C, H, W)`` mixed images.
    """
    b, c, h, w = images.shape
    gh, gw = group_ids.shape[-2:]
    if h % gh or w % gw:
        raise ValueError(f'a {h}x{w} image cannot be cut into a {gh}x{gw} grid of cells')
    cells = images.view(b, c, gh, h // gh, gw, w // gw)
    ids = group_ids[:, None, :, None, :, None]
    mixed = cells[plan[:, 0]]
    for g in range(1, plan.shape[1]):
        mixed = torch.where(ids == g, cells[plan[:, g]], mixed)
    return mixed.view(-1, c, h, w)
