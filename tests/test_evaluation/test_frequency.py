"""Ring band masks and per-band PSNR on synthetic images."""
import math

import numpy as np
import pytest
import torch

from mixmim_mm.evaluation.frequency import (band_limit, band_masks, band_mse, band_psnr,
                                            mse_to_psnr, radial_frequency)
from mixmim_mm.models.target_generators.low_pass import LowPassTargetGenerator


def random_images(b=2, c=3, h=32, w=40, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).uniform(0, 255, (b, c, h, w)))


def test_radial_frequency_is_zero_at_dc_and_matches_numpy_centred_grid():
    h, w = 6, 7
    radius = torch.fft.fftshift(radial_frequency(h, w)).numpy()
    uu, vv = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing='ij')
    np.testing.assert_allclose(radius, np.hypot(uu, vv))
    assert radial_frequency(h, w)[0, 0] == 0


@pytest.mark.parametrize('size', [(32, 32), (31, 40)])
def test_rings_are_disjoint_and_cover_the_disc(size):
    h, w = size
    masks, edges = band_masks(h, w, num_bands=8)
    assert masks.shape == (8, h, w) and edges.shape == (9, )
    assert edges[-1] == min(h, w) / 2
    assert masks.sum(0).max() == 1  # disjoint
    radius = radial_frequency(h, w)
    torch.testing.assert_close(masks.any(0), radius <= min(h, w) / 2 + 1e-9)
    assert masks[0, 0, 0]  # DC is in the first band


def test_half_diagonal_radius_covers_every_bin():
    h, w = 16, 24
    masks, _ = band_masks(h, w, num_bands=5, max_radius=math.hypot(h / 2, w / 2))
    assert bool(masks.sum(0).eq(1).all())


def test_rings_are_conjugate_symmetric_so_band_limited_images_stay_real():
    h, w = 15, 20
    masks, _ = band_masks(h, w, num_bands=6)
    flipped = torch.roll(masks.flip(-2, -1), shifts=(1, 1), dims=(-2, -1))  # (u, v) -> (-u, -v)
    assert torch.equal(masks, flipped)
    image = random_images(1, 1, h, w)[0, 0]
    spectrum = torch.fft.fft2(image) * masks[3]
    assert torch.fft.ifft2(spectrum).imag.abs().max() < 1e-9


def test_band_mse_equals_the_mse_of_band_limited_images():
    ref, est = random_images(seed=1), random_images(seed=2)
    masks, _ = band_masks(32, 40, num_bands=5)
    direct = torch.stack([(band_limit(ref, m) - band_limit(est, m)).square().mean(dim=(1, 2, 3))
                          for m in masks],
                         dim=1)
    torch.testing.assert_close(band_mse(ref, est, masks), direct)


def test_band_mses_add_up_to_the_total_mse_when_every_bin_is_covered():
    ref, est = random_images(seed=3), random_images(seed=4)
    masks, _ = band_masks(32, 40, num_bands=7, max_radius=math.hypot(16, 20))
    torch.testing.assert_close(
        band_mse(ref, est, masks).sum(1), (ref - est).square().mean(dim=(1, 2, 3)))


def test_equal_images_give_infinite_psnr_in_every_band():
    images = random_images()
    psnr, _ = band_psnr(images, images.clone(), num_bands=4)
    assert psnr.shape == (2, 4)
    assert torch.isinf(psnr).all() and (psnr > 0).all()


def test_constant_offset_only_affects_the_dc_band():
    images = random_images()
    psnr, _ = band_psnr(images, images + 5., num_bands=4)
    torch.testing.assert_close(
        psnr[:, 0], torch.full((2, ), 10 * math.log10(255.**2 / 25.), dtype=torch.float64))
    assert torch.isinf(psnr[:, 1:]).all()


def test_low_frequencies_reconstructed_perfectly_give_infinite_psnr_only_in_low_bands():
    # 64 x 64 images, rings of width 4: a low-pass copy with r = 12 is exact in bands 0-2
    # (radius < 12) and misses the image content in every band above r.
    images = random_images(2, 3, 64, 64, seed=5).float()
    low = LowPassTargetGenerator(radius=11.9)(images)
    psnr, edges = band_psnr(images, low, num_bands=8)
    below = edges[1:] <= 11.9
    assert below.sum() == 2  # [0, 4), [4, 8)
    assert (psnr[:, below] > 60).all()  # float32 filtering: exact up to rounding
    above = edges[:-1] >= 12
    assert torch.isfinite(psnr[:, above]).all() and (psnr[:, above] < 40).all()


def test_high_frequency_noise_lowers_only_the_high_bands():
    images = random_images(1, 3, 48, 48, seed=6)
    masks, _ = band_masks(48, 48, num_bands=6)  # rings of width 4
    noise = band_limit(torch.randn(1, 3, 48, 48, dtype=torch.float64), masks[-1]) * 50
    psnr, _ = band_psnr(images, images + noise, num_bands=6)
    assert torch.isinf(psnr[0, :-1]).all()
    assert torch.isfinite(psnr[0, -1])


def test_mse_to_psnr_values():
    torch.testing.assert_close(
        mse_to_psnr(torch.tensor([1., 0.]), peak=1.),
        torch.tensor([0., math.inf], dtype=torch.float64))
    assert mse_to_psnr(torch.tensor(255.**2 / 100)).item() == pytest.approx(20.)


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match='same shape'):
        band_psnr(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 9))
    with pytest.raises(ValueError, match='num_bands'):
        band_masks(8, 8, num_bands=0)
    with pytest.raises(ValueError, match='max_radius'):
        band_masks(8, 8, max_radius=0)
    with pytest.raises(ValueError, match=r'\(B, C, H, W\)'):
        band_psnr(torch.zeros(3, 8, 8), torch.zeros(3, 8, 8))
