"""Checks every mixing encoder must pass (shared by the per-encoder test files)."""
import torch

from mixmim_mm.models.utils import mixing_plan, sample_group_ids, upsample_group_ids


def assert_images_stay_apart(stages_fn, images: torch.Tensor, grid, num_images: int = 4,
                             atol: float = 1e-5):
    """Changing image ``g``'s pixels changes only tokens of image ``g``, in every stage.

    Args:
        stages_fn: ``(x, plan, group_ids) -> list of (M, h, w, C)`` token maps.
        images (torch.Tensor): ``(num_images, 3, H, W)`` images mixed into one input.
        grid (tuple): Mask grid.
    """
    torch.manual_seed(1)
    plan = mixing_plan(len(images), num_images, 'group')
    ids = sample_group_ids(1, grid, num_images)
    base = stages_fn(images, plan, ids)
    for g in range(num_images):
        changed = images.clone()
        changed[g] = torch.randn_like(images[g])
        outs = stages_fn(changed, plan, ids)
        assert len(outs) == len(base)
        for stage, (new, old) in enumerate(zip(outs, base)):
            own = upsample_group_ids(ids, new.shape[1:3]) == g
            assert torch.allclose(new[~own], old[~own], atol=atol), \
                f'image {g} leaked into other images at stage {stage}'
            assert not torch.allclose(new[own], old[own], atol=atol), \
                f'stage {stage} tokens of image {g} ignore its pixels'
