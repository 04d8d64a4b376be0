"""Hand the data preprocessor's mean/std to a target generator that works in pixel space."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn


def channel_stats(
        mean: Optional[Sequence[float]],
        std: Optional[Sequence[float]],
        owner: str,
        channels: Optional[int] = None) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
    """Check per-channel mean/std and return them as ``(1, C, 1, 1)`` float32 tensors.

    Args:
        mean, std: Both None (inputs in pixel space) or per-channel sequences/tensors.
        owner (str): Name used in error messages.
        channels (int, optional): Required number of channels.

    Returns:
        tuple: ``(mean, std)`` tensors, or ``(None, None)``.
    """
    if (mean is None) != (std is None):
        raise ValueError(f'{owner}: give both mean and std or neither')
    if mean is None:
        return None, None
    mean = torch.as_tensor(mean, dtype=torch.float32).flatten().clone()
    std = torch.as_tensor(std, dtype=torch.float32).flatten().clone()
    if mean.numel() != std.numel():
        raise ValueError(f'{owner}: mean has {mean.numel()} channels but std has {std.numel()}')
    if channels is not None and mean.numel() != channels:
        raise ValueError(f'{owner}: mean/std need {channels} channels, got {mean.tolist()} and '
                         f'{std.tolist()}')
    if not torch.all(std > 0):
        raise ValueError(f'{owner}: std must be positive, got {std.tolist()}')
    return mean.view(1, -1, 1, 1), std.view(1, -1, 1, 1)


def attach_preprocessor_normalization(model: nn.Module) -> None:
    """Give ``model.target_generator`` the mean/std of ``model.data_preprocessor``.

    The low-pass filter is defined on pixel values, while the algorithm receives normalised
    inputs; the preprocessor is the one place those statistics live, so they are copied from
    it instead of being repeated in the target generator config.

    Raises:
        ValueError: if the generator was configured with statistics that differ from the
            preprocessor's.
    """
    generator = model.target_generator
    preprocessor = model.data_preprocessor
    if getattr(preprocessor, '_enable_normalize', False):
        mean = preprocessor.mean.detach().flatten().float().cpu()
        std = preprocessor.std.detach().flatten().float().cpu()
    else:
        mean = std = None
    own_mean, own_std = getattr(generator, 'mean', None), getattr(generator, 'std', None)
    if own_mean is not None:
        if mean is None or not (torch.allclose(own_mean.flatten().cpu(), mean)
                                and torch.allclose(own_std.flatten().cpu(), std)):
            raise ValueError(
                f'{type(model).__name__}: target_generator mean/std '
                f'({own_mean.flatten().tolist()}, {own_std.flatten().tolist()}) differ from the '
                f'data_preprocessor ({None if mean is None else mean.tolist()}, '
                f'{None if std is None else std.tolist()}); leave them out of the '
                f'target_generator config, they are read from data_preprocessor')
    generator.set_normalization(mean, std)
    # A target made in the data pipeline is in the loaded image's channel order.
    generator.set_channel_conversion(bool(getattr(preprocessor, '_channel_conversion', False)))
