import torch

from mixmim_mm.models.necks import MixMAEDecoder


def test_output_shape_per_image():
    dec = MixMAEDecoder(in_channels=64, embed_dims=32, depth=1, num_heads=2, grid_size=(4, 4))
    out = dec(torch.randn(3, 16, 64), torch.randint(0, 4, (3, 4, 4)), torch.arange(4))
    assert out.shape == (3, 4, 16, 32 * 32 * 3)


def test_each_reconstruction_ignores_the_other_images_tokens():
    torch.manual_seed(0)
    dec = MixMAEDecoder(in_channels=64, embed_dims=32, depth=2, num_heads=2, grid_size=(4, 4))
    dec.init_weights()
    latent = torch.randn(1, 16, 64)
    ids = torch.randint(0, 2, (1, 4, 4))
    base = dec(latent, ids, torch.arange(2))
    other = latent.clone()
    other[ids.flatten(1) == 1] = torch.randn(int((ids == 1).sum()), 64)
    out = dec(other, ids, torch.arange(2))
    assert torch.allclose(out[:, 0], base[:, 0], atol=1e-6)  # image 0 never saw group 1
    assert not torch.allclose(out[:, 1], base[:, 1])
