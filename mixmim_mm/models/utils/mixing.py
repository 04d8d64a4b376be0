"""Forming mixed inputs from several images and splitting them back per image."""
import torch

MIX_MODES = ('flip', 'group')


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
    raise ValueError(f'mix_mode must be one of {MIX_MODES}, got {mode!r}')


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
