"""The ``fastmim`` suite: FastMIM at 128 px against MMPretrain's MIM methods at their sizes.

* ViT-B/16 (``--vit-arch``): FastMIM at 128 px with the HOG target vs MMPretrain's MAE and
  MaskFeat at 224 px;
* Swin (``--arch``): FastMIM at 128 px (window 4) vs MMPretrain's SimMIM at 192 px (window 6)
  and 224 px (window 7, the reference).

Each row uses its own input size, whatever ``--img-size`` says (the JSON rows record it);
images/s is per image at that size. Every row also reports the FLOPs of its encoder as it runs
in the training step (MAE encodes the 25% visible tokens only), counted on the meta device
(``mixmim_mm.utils.meta_flops``), and rows with a target generator time it alone (HOG share of
the step). Recipes: mask ratio 0.75 and 16/32-px blocks for FastMIM, decoders ViT-B 1x256 and
Swin-B 4x256 (paper Table 16); MAE 75% with the 8x512 decoder; MaskFeat 40% block masks with
MMPretrain's HOGGenerator; SimMIM 60% of 32-px cells with a linear decoder.

The ``fastmim_loader_*`` pair reads batches from a 2-worker DataLoader (generated images,
FastMIM's crop and flip) and times the ViT step at 128 px with the data loading included: HOG
target computed in the model (``fastmim_loader_model_hog``) vs in the pipeline workers
(``fastmim_loader_pipe_hog``).
"""
import torch

from ._common import loader
from .registry import register_row, register_suite

SIMMIM_REFERENCE_ROW = 'mmpretrain_simmim_swin_224'
register_suite('fastmim', SIMMIM_REFERENCE_ROW,
               'configs/fastmim/fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px.py')

PREPROCESSOR = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)


def vit_arch(args) -> dict:
    from mmpretrain.models.backbones import VisionTransformer
    return VisionTransformer.arch_zoo[args.vit_arch]


def swin_arch(args) -> dict:
    from mmpretrain.models.backbones import SwinTransformer
    return dict(SwinTransformer.arch_zoo[args.arch])


def attach_encoder_gflops(model, backbone_cfg: dict, size: int, *extra) -> None:
    """Count the encoder's FLOPs at ``size`` px on a throw-away copy moved to the meta device
    (no activations are computed; the copy's weights are freed before the model trains);
    store them on ``model`` as ``benchmark_encoder_gflops`` (the runner copies it into the
    row)."""
    from mmpretrain.registry import MODELS

    from mixmim_mm.utils.meta_flops import count_flops_meta
    backbone = MODELS.build(dict(backbone_cfg))
    flops = count_flops_meta(backbone, torch.zeros(1, 3, size, size), *extra)
    model.benchmark_encoder_gflops = flops / 1e9


def random_images(args, size: int):
    return lambda: (torch.randn(args.batch_size, 3, size, size), [])


def build_fastmim(args,
                  backbone: dict,
                  width: int,
                  block: int,
                  dec_depth: int,
                  target_generator=None,
                  make_inputs=None):
    """FastMIM with the HOG target (model side unless ``target_generator`` says otherwise) on
    random 128-px images, or on what ``make_inputs`` gives."""
    from mmpretrain.registry import MODELS
    size = 128
    model = MODELS.build(
        dict(
            type='FastMIM',
            data_preprocessor=PREPROCESSOR,
            mask_ratio=0.75,
            mask_unit=block,
            backbone=backbone,
            neck=dict(
                type='FastMIMDecoder',
                in_channels=width,
                out_channels=27 * (block // 8)**2,
                embed_dims=256,
                depth=dec_depth),
            head=dict(type='FastMIMHead', patch_size=block),
            target_generator=target_generator
            or dict(type='HOGTargetGenerator', token_stride=block)))
    attach_encoder_gflops(model, backbone, size)
    return model, make_inputs or random_images(args, size)


def fastmim_vit_backbone(args) -> dict:
    return dict(type='FastMIMViT', arch=args.vit_arch, img_size=128, patch_size=16, out_type='raw')


@register_row('fastmim_vit_128', suite='fastmim')
def build_fastmim_vit(args):
    return build_fastmim(args, fastmim_vit_backbone(args), vit_arch(args)['embed_dims'], 16, 1)


@register_row(
    'mmpretrain_mae_vit_224',
    suite='fastmim',
    optim_config='mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py')
def build_mae_vit(args):
    from mmpretrain.registry import MODELS
    size, patch = 224, 16
    backbone = dict(
        type='MAEViT', arch=args.vit_arch, img_size=size, patch_size=patch, mask_ratio=0.75)
    model = MODELS.build(
        dict(
            type='MAE',
            data_preprocessor=PREPROCESSOR,
            backbone=backbone,
            neck=dict(
                type='MAEPretrainDecoder',
                num_patches=(size // patch)**2,
                patch_size=patch,
                in_chans=3,
                embed_dim=vit_arch(args)['embed_dims'],
                decoder_embed_dim=512,
                decoder_depth=8,
                decoder_num_heads=16,
                mlp_ratio=4.),
            head=dict(
                type='MAEPretrainHead',
                norm_pix=True,
                patch_size=patch,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    attach_encoder_gflops(model, backbone, size)
    return model, random_images(args, size)


def block_masks(args, grid: int, ratio: float, repeat: int = 1):
    """Per-sample random masks of ``ratio`` of a ``grid x grid`` cell grid, each cell
    repeated to ``repeat x repeat`` tokens, as ``DataSample.mask``."""
    from mmpretrain.structures import DataSample
    samples = []
    for _ in range(args.batch_size):
        cells = (torch.rand(grid * grid).argsort().argsort() < round(ratio * grid * grid))
        cells = cells.view(grid, grid).float()
        sample = DataSample()
        sample.set_mask(cells.repeat_interleave(repeat, 0).repeat_interleave(repeat, 1))
        samples.append(sample)
    return samples


@register_row(
    'mmpretrain_maskfeat_vit_224',
    suite='fastmim',
    optim_config='mmpretrain::maskfeat/maskfeat_vit-base-p16_8xb256-amp-coslr-300e_in1k.py')
def build_maskfeat_vit(args):
    from mmpretrain.registry import MODELS
    size = 224
    width = vit_arch(args)['embed_dims']
    backbone = dict(type='MaskFeatViT', arch=args.vit_arch, img_size=size, patch_size=16)
    model = MODELS.build(
        dict(
            type='MaskFeat',
            data_preprocessor=PREPROCESSOR,
            backbone=backbone,
            neck=dict(
                type='LinearNeck',
                in_channels=width,
                out_channels=108,
                norm_cfg=None,
                init_cfg=dict(type='TruncNormal', layer='Linear', std=0.02, bias=0)),
            head=dict(type='MIMHead', loss=dict(type='PixelReconstructionLoss', criterion='L2')),
            target_generator=dict(type='HOGGenerator', nbins=9, pool=8, gaussian_window=16)))
    # MMPretrain's recipe masks 78 of 196 patches (BEiT-style blocks); random cells here.
    attach_encoder_gflops(model, backbone, size, torch.zeros(1, 196, dtype=torch.bool))
    return model, lambda: (torch.randn(args.batch_size, 3, size, size),
                           block_masks(args, 14, 78 / 196))


@register_row(
    'fastmim_swin_128',
    suite='fastmim',
    optim_config='configs/fastmim/fastmim_swin-base-w4_8xb256-amp-coslr-400e_in1k-128px.py')
def build_fastmim_swin(args):
    backbone = dict(
        type='SwinTransformer', arch=args.arch, img_size=128, window_size=4, out_indices=(3, ))
    return build_fastmim(args, backbone, swin_arch(args)['embed_dims'] * 8, 32, 4)


def build_simmim_swin(args, size: int, window: int):
    from mmpretrain.registry import MODELS
    arch = swin_arch(args)
    backbone = dict(
        type='SimMIMSwinTransformer',
        arch=args.arch,
        img_size=size,
        stage_cfgs=dict(block_cfgs=dict(window_size=window)))
    model = MODELS.build(
        dict(
            type='SimMIM',
            data_preprocessor=PREPROCESSOR,
            backbone=backbone,
            neck=dict(
                type='SimMIMLinearDecoder', in_channels=arch['embed_dims'] * 8, encoder_stride=32),
            head=dict(
                type='SimMIMHead',
                patch_size=4,
                loss=dict(type='PixelReconstructionLoss', criterion='L1', channel=3))))
    side = size // 4
    attach_encoder_gflops(model, backbone, size, torch.zeros(1, side, side))
    return model, lambda: (torch.randn(args.batch_size, 3, size, size),
                           block_masks(args, size // 32, 0.6, repeat=8))


@register_row(
    'mmpretrain_simmim_swin_192',
    suite='fastmim',
    optim_config='mmpretrain::simmim/simmim_swin-base-w6_8xb256-amp-coslr-100e_in1k-192px.py')
def build_simmim_swin_192(args):
    return build_simmim_swin(args, 192, 6)


@register_row(
    SIMMIM_REFERENCE_ROW,
    suite='fastmim',
    optim_config='mmpretrain::simmim/simmim_swin-base-w6_8xb256-amp-coslr-100e_in1k-192px.py')
def build_simmim_swin_224(args):
    return build_simmim_swin(args, 224, 7)


def fastmim_loader_transforms(target: bool):
    """FastMIM's train pipeline after decoding (128-px RandomResizedCrop, flip); with
    ``target`` the HOG target too (BGR image -> RGB features, as the preprocessor's to_rgb)."""
    transforms = [
        dict(
            type='RandomResizedCrop',
            scale=128,
            crop_ratio_range=(0.2, 1.0),
            backend='pillow',
            interpolation='bicubic'),
        dict(type='RandomFlip', prob=0.5)
    ]
    if target:
        transforms.append(dict(type='HOGTarget', token_stride=16))
    transforms.append(dict(type='PackInputs', algorithm_keys=['hog_target'] if target else []))
    return transforms


# The pair below times FastMIM ViT @128 with the data loading (2 workers) included: the HOG
# target in the model vs in the pipeline workers, so the table shows what moving it buys.
@register_row('fastmim_loader_model_hog', suite='fastmim')
def build_fastmim_loader_model_target(args):
    return build_fastmim(
        args,
        fastmim_vit_backbone(args),
        vit_arch(args)['embed_dims'],
        16,
        1,
        make_inputs=loader(args, fastmim_loader_transforms(False), 128))


@register_row('fastmim_loader_pipe_hog', suite='fastmim')
def build_fastmim_loader_pipeline_target(args):
    return build_fastmim(
        args,
        fastmim_vit_backbone(args),
        vit_arch(args)['embed_dims'],
        16,
        1,
        target_generator=dict(type='DataSampleTarget', key='hog_target', pixel_space=False),
        make_inputs=loader(args, fastmim_loader_transforms(True), 128))
