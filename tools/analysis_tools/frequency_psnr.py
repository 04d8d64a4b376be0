"""Reconstruction PSNR per spatial-frequency band (PixMIM, Figures 1 and 5).

Masks and reconstructs images with one or more pretrained pixel-target models and plots the
PSNR of the reconstruction against the original image in each frequency band, averaged over
the images. Writes ``<out-dir>/<name>.png`` and ``<out-dir>/<name>.csv`` (one row per band).

Models:
  * MAE-style algorithms (MMPretrain's MAE and MFF, our PixMIM, PixMIMMFF, ConvMAE): the
    backbone draws its random mask (seeded), the neck predicts every patch.
  * MixMAE (with or without a low-pass target): ``MixMAE.reconstruct`` mixes groups of
    ``num_images`` images and rebuilds each of them.

Bands (the paper defines none; this reading matches its axes): concentric rings of the
centred 2-D DFT spectrum of the H x W image. A bin (u, v), with integer frequencies and the
zero frequency at the centre, has radius sqrt(u^2 + v^2) in frequency bins; [0, max_radius]
(default min(H, W) / 2, i.e. 0..112 at 224 px) is cut into --num-bands rings of equal
width, band k holding the radii in [edge_k, edge_k+1) (the last ring also holds max_radius;
bins beyond it, the spectrum's corners, are in no band). In each band both images keep only
that band's bins (per channel) and PSNR = 10 log10(peak^2 / MSE) over channels and pixels,
in 0-255 pixel units (peak 255); the plot shows the mean over images of the per-image PSNR.

Other choices: images are resized (short side) and centre-cropped to the model's input size;
``norm_pix`` predictions are mapped back with the patch mean/std of what the model was trained
to reconstruct (its target generator's output, e.g. the low-pass image, or the image itself);
by default the whole reconstruction is compared, ``--paste-visible`` first copies the visible
patches of the original into it (so only masked patches differ).

Example::

    python tools/analysis_tools/frequency_psnr.py \\
        configs/pixmim/pixmim_vit-base-p16_8xb512-amp-coslr-800e_in1k.py pixmim.pth \\
        --label PixMIM --compare mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-800e_in1k.py \\
        mae.pth MAE --images data/imagenet/val --num-images 1000 --out-dir work_dirs/freq
"""
import argparse
import csv
import math
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


def parse_args(argv=None):
    doc = __doc__.split('Example::')[0]
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='pretraining config of the model')
    parser.add_argument('checkpoint', help='pretrained checkpoint (full model state dict)')
    parser.add_argument('--label', help='curve name of this model (default: config name)')
    parser.add_argument(
        '--compare',
        nargs=3,
        action='append',
        default=[],
        metavar=('CONFIG', 'CHECKPOINT', 'LABEL'),
        help='another model drawn on the same plot; repeatable')
    parser.add_argument('--images', required=True, help='folder of images (searched recursively)')
    parser.add_argument(
        '--num-images',
        type=int,
        default=None,
        help='use the first N images in sorted order (default: all)')
    parser.add_argument(
        '--img-size',
        type=int,
        default=None,
        help="input side (default: the config's model.backbone.img_size or 224)")
    parser.add_argument('--num-bands', type=int, default=16, help='number of rings (default 16)')
    parser.add_argument(
        '--max-radius',
        type=float,
        default=None,
        help='outer radius of the last ring in frequency bins '
        '(default min(H, W) / 2; the half-diagonal covers every bin)')
    parser.add_argument('--peak', type=float, default=255., help='PSNR peak value (pixel units)')
    parser.add_argument(
        '--paste-visible',
        action='store_true',
        help='copy the visible patches of the original into the reconstruction')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--seed', type=int, default=0, help='seed of the masks / mixing')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--out-dir', default='work_dirs/frequency_psnr')
    parser.add_argument('--name', default='frequency_psnr', help='file name of the PNG and CSV')
    return parser.parse_args(argv)


def list_images(folder: str, num_images: Optional[int] = None) -> List[str]:
    """Image files under ``folder``, sorted, the first ``num_images`` of them."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'--images: {folder} is not a folder')
    files = sorted(
        osp.join(root, name) for root, _, names in os.walk(folder) for name in names
        if name.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise FileNotFoundError(f'--images: no image files ({", ".join(IMAGE_EXTENSIONS)}) '
                                f'under {folder}')
    if num_images is not None:
        if num_images < 1:
            raise ValueError(f'--num-images must be >= 1, got {num_images}')
        files = files[:num_images]
    return files


def build_model(config: str, checkpoint: str, device: str):
    """Build the config's model and load a full pretraining checkpoint into it."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from mixmim_mm.converters.checkpoint_io import load_state_dict_file

    cfg = Config.fromfile(config)  # also imports `custom_imports` (mixmim_mm)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = cfg.model.copy()
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in model_cfg:
        # The Runner hands the top-level preprocessor to the model the same way.
        model_cfg['data_preprocessor'] = cfg.data_preprocessor
    model = MODELS.build(model_cfg)
    state = load_state_dict_file(checkpoint)
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.startswith('data_preprocessor.')]
    if missing:
        raise KeyError(f'{checkpoint} does not fit {config}: {len(missing)} parameters missing, '
                       f'e.g. {missing[:5]} (a full pretraining checkpoint is needed)')
    img_size = cfg.model.get('backbone', {}).get('img_size', 224)
    return model.to(device).eval(), img_size


def load_batch(files: Sequence[str], img_size: int) -> dict:
    """Resize the short side to ``img_size``, centre-crop, pack and collate."""
    from mmcv.transforms import Compose
    from mmengine.dataset import default_collate
    from mmengine.registry import DefaultScope

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose([
            dict(type='LoadImageFromFile'),
            dict(
                type='ResizeEdge',
                scale=img_size,
                edge='short',
                backend='pillow',
                interpolation='bicubic'),
            dict(type='CenterCrop', crop_size=img_size),
            dict(type='PackInputs'),
        ])
        return default_collate([pipeline(dict(img_path=f)) for f in files])


def to_pixels(images: torch.Tensor, model) -> torch.Tensor:
    """Preprocessed images back to pixel units (0-255 for the usual preprocessors)."""
    from mixmim_mm.visualization.reconstruction import preprocessor_mean_std
    mean, std = preprocessor_mean_std(model)
    mean = torch.as_tensor(mean, dtype=torch.float64).view(-1, 1, 1).to(images.device)
    std = torch.as_tensor(std, dtype=torch.float64).view(-1, 1, 1).to(images.device)
    return images.double() * std + mean


def renormalize(recon: torch.Tensor, stats_from: torch.Tensor, stats_to: torch.Tensor,
                patch: int) -> torch.Tensor:
    """Swap the per-patch mean/std of ``stats_from`` for those of ``stats_to`` in ``recon``."""
    from mixmim_mm.models.utils.patchify import denormalize_patches, patchify, unpatchify
    b, c, h, w = recon.shape
    src, dst = patchify(stats_from, patch), patchify(stats_to, patch)
    # The inverse of denormalize_patches (unbiased variance, eps 1e-6, as the heads use).
    mean, var = src.mean(-1, keepdim=True), src.var(-1, keepdim=True)
    normed = (patchify(recon, patch) - mean) / (var + 1e-6)**.5
    return unpatchify(denormalize_patches(normed, dst), patch, (h // patch, w // patch), c)


def reconstruction_target(model, inputs: torch.Tensor) -> torch.Tensor:
    """What the model was trained to reconstruct: its target generator's output or the input."""
    if getattr(model, 'with_target_generator', False):
        return model.target_generator(inputs)
    return inputs


@torch.no_grad()
def reconstruct_mae_style(model, inputs: torch.Tensor, paste_visible: bool):
    """``(originals, reconstructions)`` of an MAE-style model, in the preprocessed space."""
    from mixmim_mm.models.utils.patchify import denormalize_patches, patchify, unpatchify
    out = model.backbone(inputs, mask=True)
    if not isinstance(out, (tuple, list)) or len(out) < 3:
        raise TypeError(f'{type(model).__name__}: backbone(inputs, mask=True) should return '
                        f'(latent, mask, ids_restore, ...) as MAE-style backbones do')
    latent, mask, ids_restore = out[:3]
    pred = model.neck(latent, ids_restore).float()
    patch = model.head.patch_size
    b, c, h, w = inputs.shape
    grid = (h // patch, w // patch)
    if getattr(model.head, 'norm_pix', False):
        pred = denormalize_patches(pred, patchify(reconstruction_target(model, inputs), patch))
    recon = unpatchify(pred, patch, grid, c)
    if paste_visible:
        masked = mask.view(b, 1, *grid).repeat_interleave(patch, 2).repeat_interleave(patch, 3)
        recon = torch.where(masked.bool(), recon, inputs)
    return inputs, recon


@torch.no_grad()
def reconstruct_mixmae(model, inputs: torch.Tensor, paste_visible: bool,
                       generator: torch.Generator):
    """``(originals, reconstructions)`` of every decoded image of every mixed input."""
    from mixmim_mm.visualization.reconstruction import paste_visible as paste
    result = model.reconstruct(inputs, generator=generator)
    groups = model.decoded_groups(inputs.device)
    originals = result['originals'][:, groups]
    recon = result['reconstructions']
    if getattr(model.head, 'norm_pix', False) and getattr(model, 'with_target_generator', False):
        # reconstruct() uses the input's cell statistics; use the target's, as for MAE.
        flat = originals.flatten(0, 1)
        recon = renormalize(
            recon.flatten(0, 1), flat, reconstruction_target(model, flat),
            model.mask_unit).view_as(recon)
    if paste_visible:
        # Decoded image g of a mixed input is visible where group_ids == g.
        recon = paste(originals, recon, result['group_ids'])
    return originals.flatten(0, 1), recon.flatten(0, 1)


def evaluate_model(model, img_size: int, files: Sequence[str], args) -> Dict[str, np.ndarray]:
    """Per-image per-band PSNR ``(num_images, K)`` and the ring edges."""
    from mixmim_mm.evaluation.frequency import band_psnr
    is_mixmae = hasattr(model, 'reconstruct') and hasattr(model, 'sample_mixing')
    batch_size = args.batch_size
    if is_mixmae and model.mix_mode == 'group':
        n = model.num_images
        batch_size = max(n, batch_size // n * n)
        usable = len(files) // n * n
        if usable == 0:
            raise ValueError(f'MixMAE mixes groups of {n} images; --num-images must be >= {n}')
        if usable < len(files):
            print(f'note: using {usable} of {len(files)} images (groups of {n})', file=sys.stderr)
        files = files[:usable]
    torch.manual_seed(args.seed)  # MAE-style backbones draw masks from the global generator
    generator = torch.Generator(device=args.device).manual_seed(args.seed)
    psnrs, edges = [], None
    for start in range(0, len(files), batch_size):
        batch = load_batch(files[start:start + batch_size], img_size)
        inputs = model.data_preprocessor(batch, False)['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = inputs[0]
        inputs = inputs.to(args.device)
        if is_mixmae:
            originals, recon = reconstruct_mixmae(model, inputs, args.paste_visible, generator)
        else:
            originals, recon = reconstruct_mae_style(model, inputs, args.paste_visible)
        psnr, edges = band_psnr(
            to_pixels(originals, model), to_pixels(recon, model), args.num_bands, args.max_radius,
            args.peak)
        psnrs.append(psnr.cpu())
    return dict(psnr=torch.cat(psnrs).numpy(), edges=edges.numpy())


def summarize(psnr: np.ndarray) -> Dict[str, np.ndarray]:
    """Mean and std over images of the per-image PSNR (inf if an image is exact in a band)."""
    with np.errstate(invalid='ignore'):
        return dict(mean=psnr.mean(0), std=psnr.std(0))


def write_csv(path: str, edges: np.ndarray, counts: np.ndarray,
              results: Dict[str, Dict[str, np.ndarray]], num_images: Dict[str, int]):
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        header = ['band', 'radius_low', 'radius_high', 'num_bins']
        for label in results:
            header += [f'{label}_psnr_db', f'{label}_psnr_std_db']
        writer.writerow(header)
        for k in range(len(edges) - 1):
            row = [k, f'{edges[k]:.4f}', f'{edges[k + 1]:.4f}', int(counts[k])]
            for stats in results.values():
                row += [f"{stats['mean'][k]:.4f}", f"{stats['std'][k]:.4f}"]
            writer.writerow(row)


def plot(path: str, edges: np.ndarray, results: Dict[str, Dict[str, np.ndarray]],
         num_images: Dict[str, int], img_size: int):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    centres = (edges[:-1] + edges[1:]) / 2
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for label, stats in results.items():
        finite = np.isfinite(stats['mean'])
        ax.plot(
            centres[finite],
            stats['mean'][finite],
            marker='o',
            markersize=3,
            label=f'{label} ({num_images[label]} images)')
    ax.set_xlabel('frequency (ring radius, bins of the centred spectrum)')
    ax.set_ylabel('PSNR (dB)')
    ax.set_title(f'Reconstruction PSNR per frequency band ({img_size} px)')
    ax.set_xlim(0, edges[-1])
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    if args.num_bands < 1:
        raise SystemExit(f'--num-bands must be >= 1, got {args.num_bands}')
    files = list_images(args.images, args.num_images)
    models = [(args.config, args.checkpoint,
               args.label or osp.splitext(osp.basename(args.config))[0])] + \
        [tuple(c) for c in args.compare]
    labels = [label for *_, label in models]
    if len(set(labels)) != len(labels):
        raise SystemExit(f'model labels must differ, got {labels}')

    from mixmim_mm.evaluation.frequency import band_masks

    results, num_images, img_sizes, edges = {}, {}, set(), None
    for config, checkpoint, label in models:
        model, img_size = build_model(config, checkpoint, args.device)
        img_size = args.img_size or (img_size if isinstance(img_size, int) else img_size[0])
        img_sizes.add(img_size)
        out = evaluate_model(model, img_size, files, args)
        results[label] = summarize(out['psnr'])
        num_images[label] = out['psnr'].shape[0]
        edges = out['edges']
        del model
    if len(img_sizes) != 1:
        raise SystemExit(f'the models use different input sizes {sorted(img_sizes)}; '
                         f'set --img-size')
    img_size = img_sizes.pop()
    masks, _ = band_masks(img_size, img_size, args.num_bands, args.max_radius)
    counts = masks.flatten(1).sum(1).numpy()

    os.makedirs(args.out_dir, exist_ok=True)
    csv_path = osp.join(args.out_dir, f'{args.name}.csv')
    png_path = osp.join(args.out_dir, f'{args.name}.png')
    write_csv(csv_path, edges, counts, results, num_images)
    plot(png_path, edges, results, num_images, img_size)
    for label, stats in results.items():
        values = ' '.join('inf' if math.isinf(v) else f'{v:.1f}' for v in stats['mean'])
        print(f'{label}: PSNR per band (dB, low -> high): {values}')
    print(f'Saved {osp.abspath(png_path)} and {osp.abspath(csv_path)}')


if __name__ == '__main__':
    main()
