import torch

from mixmim_mm.models.heads import MixMAEHead


def test_loss_is_zero_when_hidden_cells_are_perfect():
    head = MixMAEHead(norm_pix=True, patch_size=8)
    images = torch.randn(4, 3, 16, 16)
    sources = torch.tensor([[0, 3], [2, 1]])
    ids = torch.tensor([[[0, 1], [1, 0]], [[1, 1], [0, 0]]])
    pred = head.construct_target(images)[sources].clone()
    hidden = ids.flatten(1)[:, None] != torch.arange(2)[None, :, None]
    pred[~hidden] = 100.  # visible cells are not scored
    assert head.loss(pred, images, sources, ids, torch.arange(2)) == 0
    pred[0, 1][hidden[0, 1]] += 1.  # a hidden cell of image 3 is wrong: scored
    assert head.loss(pred, images, sources, ids, torch.arange(2)) > 0


def test_loss_is_the_mean_over_hidden_image_cells():
    head = MixMAEHead(norm_pix=False, patch_size=8)
    images = torch.zeros(3, 3, 16, 16)
    ids = torch.tensor([[[0, 1], [2, 2]]])
    pred = torch.zeros(1, 3, 4, 192)
    pred[0, 0, 0] = 1.  # visible for image 0: ignored
    pred[0, 0, 1] = 2.  # hidden for image 0: squared error 4
    loss = head.loss(pred, images, torch.tensor([[0, 1, 2]]), ids, torch.arange(3))
    hidden_cells = 3 * 4 - 4  # each cell is hidden for N-1 = 2 images
    assert torch.isclose(loss, torch.tensor(4. / hidden_cells))


def test_targets_follow_the_source_index():
    head = MixMAEHead(norm_pix=False, patch_size=8)
    images = torch.stack([torch.full((3, 16, 16), float(i)) for i in range(3)])
    ids = torch.zeros(1, 2, 2, dtype=torch.long)
    pred = torch.full((1, 2, 4, 192), 2.)  # equals image 2 everywhere
    right = head.loss(pred, images, torch.tensor([[0, 2]]), ids, torch.arange(2))
    wrong = head.loss(pred, images, torch.tensor([[0, 1]]), ids, torch.arange(2))
    assert right == 0 and wrong == 1
