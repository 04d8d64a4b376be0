"""The ``mixmae`` suite: our MixMAE vs MMPretrain's MixMIM and SimMIM on Swin (``--arch``).

``ours_flip_2img_sdpa`` is ``ours_flip_2img`` with ``attn_impl='sdpa'`` (SDPA also for CPU
training, see ``WindowAttention``).
"""
import torch

from ._common import images
from .registry import register_row, register_suite

REFERENCE_ROW = 'mmpretrain_mixmim'
register_suite('mixmae', REFERENCE_ROW,
               'configs/mixmae/mixmae_swin-base-w14_8xb128-amp-coslr-300e_in1k.py')


def swin_arch(args) -> dict:
    from mixmim_mm.models.backbones import MixMAESwinTransformer
    return dict(MixMAESwinTransformer.arch_zoo[args.arch])


def mixmae_cfg(args, num_images, mix_mode, attn_impl='auto') -> dict:
    arch = swin_arch(args)
    return dict(
        type='MixMAE',
        num_images=num_images,
        mix_mode=mix_mode,
        backbone=dict(
            type='MixMAESwinTransformer',
            arch=arch,
            img_size=args.img_size,
            window_size=(14, 14, 14, 7),
            attn_impl=attn_impl),
        neck=dict(
            type='MixMAEDecoder',
            in_channels=arch['embed_dims'] * 8,
            embed_dims=512,
            depth=8,
            num_heads=16),
        head=dict(type='MixMAEHead', norm_pix=True))


@register_row('ours_flip_2img')
def build_ours_flip(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixmae_cfg(args, 2, 'flip')), images(args)


@register_row('ours_flip_2img_sdpa')
def build_ours_flip_sdpa(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixmae_cfg(args, 2, 'flip', attn_impl='sdpa')), images(args)


@register_row('ours_group_4img')
def build_ours_group(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixmae_cfg(args, 4, 'group')), images(args)


@register_row(
    REFERENCE_ROW, optim_config='mmpretrain::mixmim/mixmim_mixmim-base_16xb128-coslr-300e_in1k.py')
def build_mmpretrain_mixmim(args):
    from mmpretrain.registry import MODELS
    arch = swin_arch(args)
    grid = (args.img_size // 32)**2
    model = MODELS.build(
        dict(
            type='MixMIM',
            backbone=dict(
                type='MixMIMPretrainTransformer',
                arch=arch,
                img_size=args.img_size,
                window_size=[14, 14, 14, 7],
                mask_ratio=0.5),
            neck=dict(
                type='MixMIMPretrainDecoder',
                num_patches=grid,
                encoder_stride=32,
                embed_dim=arch['embed_dims'] * 8,
                decoder_embed_dim=512,
                decoder_depth=8,
                decoder_num_heads=16),
            head=dict(
                type='MixMIMPretrainHead',
                norm_pix=True,
                loss=dict(type='PixelReconstructionLoss', criterion='L2'))))
    return model, images(args)


@register_row(
    'mmpretrain_simmim',
    optim_config='mmpretrain::simmim/simmim_swin-base-w6_8xb256-amp-coslr-100e_in1k-192px.py')
def build_mmpretrain_simmim(args):
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    arch = swin_arch(args)
    windows = [14, 14, 14, 7]
    model = MODELS.build(
        dict(
            type='SimMIM',
            backbone=dict(
                type='SimMIMSwinTransformer',
                arch=arch,
                img_size=args.img_size,
                stage_cfgs=[dict(block_cfgs=dict(window_size=w)) for w in windows]),
            neck=dict(
                type='SimMIMLinearDecoder', in_channels=arch['embed_dims'] * 8, encoder_stride=32),
            head=dict(
                type='SimMIMHead',
                patch_size=4,
                loss=dict(type='PixelReconstructionLoss', criterion='L1', channel=3))))
    side = args.img_size // 4

    def make_inputs():
        samples = []
        for _ in range(args.batch_size):
            # SimMIM's 60% masking on 32-px cells, at the stride-4 token grid.
            cells = (torch.rand(args.img_size // 32, args.img_size // 32) < 0.6).float()
            sample = DataSample()
            sample.set_mask(cells.repeat_interleave(8, 0).repeat_interleave(8, 1)[:side, :side])
            samples.append(sample)
        return torch.randn(args.batch_size, 3, args.img_size, args.img_size), samples

    return model, make_inputs
