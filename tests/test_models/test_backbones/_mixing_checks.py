"""Checks every mixing encoder must pass (shared by the per-encoder test files)."""
import torch

from mixmim_mm.models.utils import mixing_plan, sample_group_ids, upsample_group_ids


def assert_images_stay_apart(stages_fn,
                             images: torch.Tensor,
                             grid,
                             num_images: int = 4,
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


def assert_pooled_key_is_its_image_alone(model, key_norms, size: int = 64):
    """The claim behind exact masking in spatial-reduction attention: the pooled keys
    (outputs of ``key_norms[0]``) of a mixed input, cell by cell, equal those computed on
    the cell's image alone; every module of ``key_norms`` pools to the mask grid.

    Only the first module is compared: after it, attention context differs between a mixed
    input (one image's cells) and the whole image, by design.
    """
    keys = []
    hooks = [m.register_forward_hook(lambda m, i, o: keys.append(o)) for m in key_norms]
    grid = (size // model.mask_unit, size // model.mask_unit)
    images = torch.randn(4, 3, size, size)
    ids = sample_group_ids(1, grid, 4)
    try:
        model(images, mixing_plan(4, 4, 'group'), ids)
        assert [k.shape[1] for k in keys] == [grid[0] * grid[1]] * len(key_norms)
        mixed_key = keys[0]
        for g in range(4):
            keys.clear()
            model(images[g:g + 1])
            cell = ids.flatten(1)[0] == g
            torch.testing.assert_close(mixed_key[0, cell], keys[0][0, cell])
    finally:
        for h in hooks:
            h.remove()


def build_encoder(cls, **kwargs):
    """An encoder with seeded initial weights, in eval mode (no dropout / drop path)."""
    torch.manual_seed(0)
    model = cls(**kwargs)
    model.init_weights()
    model.eval()
    return model
