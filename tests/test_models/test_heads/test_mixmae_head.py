import torch

from mixmim_mm.models.heads import MixMAEHead
from mixmim_mm.models.utils import patchify


def test_loss_is_zero_when_hidden_cells_are_perfect():
    head = MixMAEHead(norm_pix=True, patch_size=8)
    targets = torch.randn(2, 2, 3, 16, 16)
    ids = torch.tensor([[[0, 1], [1, 0]], [[1, 1], [0, 0]]])
    pred = head.construct_target(targets.flatten(0, 1)).view(2, 2, 4, -1).clone()
    hidden = ids.flatten(1)[:, None] != torch.arange(2)[None, :, None]
    pred[~hidden] = 100.  # visible cells are not scored
    assert head.loss(pred, targets, ids, torch.arange(2)) == 0


def test_loss_is_the_mean_over_hidden_image_cells():
    head = MixMAEHead(norm_pix=False, patch_size=8)
    targets = torch.zeros(1, 3, 3, 16, 16)
    ids = torch.tensor([[[0, 1], [2, 2]]])
    pred = torch.zeros(1, 3, 4, 192)
    pred[0, 0, 0] = 1.  # visible for image 0: ignored
    pred[0, 0, 1] = 2.  # hidden for image 0: squared error 4
    loss = head.loss(pred, targets, ids, torch.arange(3))
    hidden_cells = 3 * 4 - 4  # each cell is hidden for N-1 = 2 images
    assert torch.isclose(loss, torch.tensor(4. / hidden_cells))
    assert patchify(targets[0], 8).shape == (3, 4, 192)
