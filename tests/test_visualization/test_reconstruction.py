import numpy as np
import pytest
import torch
from PIL import Image

from mixmim_mm.visualization.reconstruction import (denormalize, fetch_batch, forked_rng,
                                                    paste_visible, render_reconstruction_grid,
                                                    save_reconstruction_grid)

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def _fake_result(M=2, N=3, H=64, W=64, unit=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    originals = torch.randn(M, N, 3, H, W, generator=g)
    group_ids = torch.randint(0, N, (M, H // unit, W // unit), generator=g)
    up = group_ids.repeat_interleave(unit, 1).repeat_interleave(unit, 2)
    # pixel (y, x) of mixed input m comes from image up[m, y, x]
    mixed = torch.stack(
        [torch.gather(originals[m], 0, up[m][None, None].expand(1, 3, H, W))[0] for m in range(M)])
    reconstructions = torch.zeros_like(originals)
    return dict(
        originals=originals, mixed=mixed, reconstructions=reconstructions, group_ids=group_ids)


@pytest.mark.parametrize('shape', [(1, 3, 1, 1), (3, 1, 1), (3, )])
def test_denormalize_accepts_buffer_shapes(shape):
    mean = torch.tensor(MEAN).view(shape)
    std = torch.tensor(STD).view(shape)
    pixels = torch.tensor([10., 128., 250.]).view(3, 1, 1).expand(3, 2, 2)
    normed = (pixels - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)
    out = denormalize(normed, mean, std)
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8
    assert out[0, 0].tolist() == [10, 128, 250]


def test_denormalize_clips_out_of_range():
    out = denormalize(torch.full((3, 1, 1), 100.0), MEAN, STD)
    assert out.reshape(-1).tolist() == [255, 255, 255]


def test_paste_visible_takes_originals_where_visible():
    res = _fake_result()
    pasted = paste_visible(res['originals'], res['reconstructions'], res['group_ids'])
    up = res['group_ids'].repeat_interleave(32, 1).repeat_interleave(32, 2)
    for n in range(3):
        vis = (up == n)[:, None].expand(-1, 3, -1, -1)
        assert torch.equal(pasted[:, n][vis], res['originals'][:, n][vis])
        assert (pasted[:, n][~vis] == 0).all()


def test_grid_layout_and_cells():
    res = _fake_result(M=2, N=3)
    grid = render_reconstruction_grid(res, MEAN, STD, gap=2, labels=True)
    ncol = 3 + 1 + 3 + 3
    assert grid.shape == (14 + 2 * 64 + 3 * 2, ncol * 64 + (ncol + 1) * 2, 3)
    first_original = denormalize(res['originals'][0, 0], MEAN, STD)
    assert np.array_equal(grid[14 + 2:14 + 2 + 64, 2:2 + 64], first_original)
    # the mixed input of the second row is column N (after the N originals)
    x = 2 + 3 * (64 + 2)
    y = 14 + 2 + 64 + 2
    assert np.array_equal(grid[y:y + 64, x:x + 64], denormalize(res['mixed'][1], MEAN, STD))


def test_grid_without_pasted_columns_or_labels():
    res = _fake_result(M=1, N=2)
    grid = render_reconstruction_grid(res, MEAN, STD, with_pasted=False, labels=False, gap=0)
    assert grid.shape == (64, (2 + 1 + 2) * 64, 3)


def test_grid_with_single_reconstruction():
    res = _fake_result(M=1, N=3)
    res['reconstructions'] = res['reconstructions'][:, :1]
    grid = render_reconstruction_grid(res, MEAN, STD, labels=False, gap=0)
    assert grid.shape == (64, (3 + 1 + 1 + 1) * 64, 3)


def test_grid_max_rows():
    res = _fake_result(M=4, N=2)
    grid = render_reconstruction_grid(res, MEAN, STD, max_rows=1, labels=False, gap=0)
    assert grid.shape[0] == 64


def test_grid_rejects_mismatched_shapes():
    res = _fake_result()
    res['reconstructions'] = res['reconstructions'][..., :32]
    with pytest.raises(ValueError, match='reconstructions'):
        render_reconstruction_grid(res, MEAN, STD)
    res = _fake_result()
    del res['group_ids']
    with pytest.raises(KeyError, match='group_ids'):
        render_reconstruction_grid(res, MEAN, STD)


def test_save_writes_png(tmp_path):
    out = tmp_path / 'deep' / 'grid.png'
    save_reconstruction_grid(_fake_result(), str(out),
                             torch.tensor(MEAN).view(1, 3, 1, 1),
                             torch.tensor(STD).view(1, 3, 1, 1))
    with Image.open(out) as img:
        assert img.format == 'PNG' and img.mode == 'RGB'


def test_forked_rng_restores_global_state():
    torch.manual_seed(123)
    np.random.seed(123)
    expected_t = torch.rand(1)
    expected_n = np.random.rand()
    torch.manual_seed(123)
    np.random.seed(123)
    with forked_rng(0):
        inner = torch.rand(1)
        np.random.rand()
    assert torch.equal(torch.rand(1), expected_t)
    assert np.random.rand() == expected_n
    with forked_rng(0):
        assert torch.equal(torch.rand(1), inner)


class _ToyDataset:

    def __init__(self):
        self.paths = [f'img{i // 4}.png' for i in range(12)]  # 3 files, 4 views each

    def __len__(self):
        return len(self.paths)

    def get_data_info(self, idx):
        return dict(img_path=self.paths[idx])

    def __getitem__(self, idx):
        return dict(idx=idx, noise=float(np.random.rand()))


def test_fetch_batch_is_reproducible_and_prefers_distinct_files():
    ds = _ToyDataset()
    a = fetch_batch(ds, 3, list, seed=5)
    b = fetch_batch(ds, 3, list, seed=5)
    assert a == b
    assert len({ds.paths[s['idx']] for s in a}) == 3
