"""frequency_psnr.py end to end on tiny MixMAE and PixMIM models with checkpoints written here."""
import csv
import importlib.util
import math
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mixmim_mm  # noqa: F401

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / 'tools' / 'analysis_tools' / 'frequency_psnr.py'
PIXMIM_MIXMAE = ROOT / 'configs/pixmim/pixmim-mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py'
PIXMIM_MAE = ROOT / 'configs/pixmim/pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k.py'

TINY_MIXMAE = f"""
_base_ = '{PIXMIM_MIXMAE}'
model = dict(
    backbone=dict(arch='mini', img_size=128, window_size=(8, 8, 8, 4)),
    neck=dict(in_channels=256, embed_dims=32, depth=1, num_heads=2))
"""
TINY_VIT = """
model = dict(
    type='{algo}',
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, num_layers=2, num_heads=2,
                            feedforward_channels=64),
                  img_size=32, patch_size=8),
    neck=dict(num_patches=16, patch_size=8, embed_dim=32, decoder_embed_dim=16,
              decoder_depth=1, decoder_num_heads=2, mlp_ratio=2.),
    head=dict(patch_size=8))
"""


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('frequency_psnr', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def image_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(0)
    for i in range(5):
        mmcv.imwrite(
            rng.integers(0, 256, (150 + 10 * i, 170, 3), dtype=np.uint8), str(root / f'{i}.png'))
    return root


def write_model(tmp_path, name, text):
    """Write a config, build its model and save a checkpoint of it."""
    config = tmp_path / f'{name}.py'
    config.write_text(text)
    cfg = Config.fromfile(str(config))
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        model = MODELS.build(model_cfg)
    model.init_weights()
    checkpoint = tmp_path / f'{name}.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    return str(config), str(checkpoint)


def tiny_vit(tmp_path, name, algo, base):
    return write_model(tmp_path, name, f"_base_ = '{base}'\n" + TINY_VIT.format(algo=algo))


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def run(tool, config, checkpoint, image_dir, out_dir, *extra):
    tool.main([
        config, checkpoint, '--images',
        str(image_dir), '--out-dir',
        str(out_dir), '--device', 'cpu', *extra
    ])
    png, table = out_dir / 'frequency_psnr.png', out_dir / 'frequency_psnr.csv'
    assert png.is_file() and png.stat().st_size > 0
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    return read_csv(table)


def test_mixmae_with_low_pass_target(tool, image_dir, tmp_path):
    config, checkpoint = write_model(tmp_path, 'tiny_pixmim_mixmae', TINY_MIXMAE)
    rows = run(tool, config, checkpoint, image_dir, tmp_path / 'out', '--num-bands', '8', '--label',
               'mix', '--paste-visible')
    assert len(rows) == 8
    assert [int(r['band']) for r in rows] == list(range(8))
    assert float(rows[-1]['radius_high']) == 64  # min(H, W) / 2 at 128 px
    assert sum(int(r['num_bins']) for r in rows) > 0
    assert all(math.isfinite(float(r['mix_psnr_db'])) for r in rows)


def test_pixmim_against_mae_on_one_plot(tool, image_dir, tmp_path):
    pixmim = tiny_vit(tmp_path, 'tiny_pixmim', 'PixMIM', PIXMIM_MAE)
    mae = tiny_vit(tmp_path, 'tiny_mae', 'MAE', 'mmpretrain::mae/mae_vit-base-p16_8xb512-amp-'
                   'coslr-300e_in1k.py')
    rows = run(tool, *pixmim, image_dir, tmp_path / 'out', '--num-bands', '5', '--label', 'PixMIM',
               '--compare', *mae, 'MAE', '--num-images', '3', '--batch-size', '2')
    assert len(rows) == 5
    assert {'PixMIM_psnr_db', 'MAE_psnr_db', 'PixMIM_psnr_std_db'} <= set(rows[0])
    assert all(math.isfinite(float(r[k])) for r in rows for k in ('PixMIM_psnr_db', 'MAE_psnr_db'))


def test_paste_visible_keeps_the_visible_patches_exact(tool, tmp_path):
    config, checkpoint = tiny_vit(tmp_path, 'tiny_pixmim', 'PixMIM', PIXMIM_MAE)
    model, _ = tool.build_model(config, checkpoint, 'cpu')
    inputs = torch.randn(2, 3, 32, 32)
    torch.manual_seed(0)
    _, recon = tool.reconstruct_mae_style(model, inputs, paste_visible=True)
    torch.manual_seed(0)
    _, raw = tool.reconstruct_mae_style(model, inputs, paste_visible=False)
    same = (recon == inputs).all(1)  # (B, H, W)
    visible_pixels = same.float().mean().item()
    assert visible_pixels == pytest.approx(0.25)  # mask ratio 0.75
    torch.testing.assert_close(recon[~same[:, None].expand_as(recon)],
                               raw[~same[:, None].expand_as(raw)])


def test_checkpoint_of_another_model_is_rejected(tool, tmp_path):
    config, _ = tiny_vit(tmp_path, 'tiny_pixmim', 'PixMIM', PIXMIM_MAE)
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': {'foo': torch.zeros(1)}}, wrong)
    with pytest.raises(KeyError, match='does not fit'):
        tool.build_model(config, str(wrong), 'cpu')


def test_missing_image_folder_is_named(tool, tmp_path):
    with pytest.raises(FileNotFoundError, match='--images'):
        tool.list_images(str(tmp_path / 'nowhere'))


def test_renormalize_swaps_the_patch_statistics(tool):
    from mixmim_mm.models.utils.patchify import denormalize_patches, patchify, unpatchify
    torch.manual_seed(0)
    pred = torch.randn(2, 16, 8 * 8 * 3)  # normalised predictions, 4x4 cells of 8 px
    source, target = torch.randn(2, 3, 32, 32), torch.randn(2, 3, 32, 32) * 0.3 + 1

    def image(stats):
        return unpatchify(denormalize_patches(pred, patchify(stats, 8)), 8, (4, 4), 3)

    torch.testing.assert_close(tool.renormalize(image(source), source, target, 8), image(target))
