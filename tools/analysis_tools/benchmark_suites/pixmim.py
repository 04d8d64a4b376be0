"""The ``pixmim`` suite: MMPretrain's MAE vs our PixMIM on MAE, ViT encoders (``--vit-arch``).

Mask ratio 0.75 and ``norm_pix`` as MMPretrain's recipe. Rows whose model has a target
generator also time that generator alone (see ``benchmark_pretrain.time_target_generator``).
The ``pixmim_loader_*`` pair reads batches from a 2-worker DataLoader (generated images, PixMIM's
crop and flip) and times the step with the data loading included: low-pass target computed in
the model (``pixmim_loader_model_lp``) vs in the pipeline workers (``pixmim_loader_pipe_lp``).
"""
from ._common import images, loader
from .registry import register_row, register_suite

MAE_REFERENCE_ROW = 'mmpretrain_mae_vit-b'
register_suite('pixmim', MAE_REFERENCE_ROW,
               'configs/pixmim/pixmim_vit-base-p16_8xb512-amp-coslr-300e_in1k.py')


def mae_cfg(args, algorithm: str) -> dict:
    """MMPretrain's MAE ViT recipe (mask 0.75, 8-block 512-d decoder, norm_pix L2)."""
    from mmpretrain.models.selfsup.mae import MAEViT
    arch = MAEViT.arch_zoo[args.vit_arch]
    patch = 16
    return dict(
        type=algorithm,
        # Normalising preprocessor, so the low-pass target also pays for its
        # de-normalise / re-normalise round trip, as in the real configs.
        data_preprocessor=dict(
            type='SelfSupDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True),
        backbone=dict(
            type='MAEViT',
            arch=args.vit_arch,
            img_size=args.img_size,
            patch_size=patch,
            mask_ratio=0.75),
        neck=dict(
            type='MAEPretrainDecoder',
            num_patches=(args.img_size // patch)**2,
            patch_size=patch,
            in_chans=3,
            embed_dim=arch['embed_dims'],
            decoder_embed_dim=512,
            decoder_depth=8,
            decoder_num_heads=16,
            mlp_ratio=4.),
        head=dict(
            type='MAEPretrainHead',
            norm_pix=True,
            patch_size=patch,
            loss=dict(type='PixelReconstructionLoss', criterion='L2')))


@register_row(
    MAE_REFERENCE_ROW,
    suite='pixmim',
    optim_config='mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py')
def build_mmpretrain_mae(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mae_cfg(args, 'MAE')), images(args)


@register_row('pixmim_mae_vit-b', suite='pixmim')
def build_pixmim_mae(args):
    from mmpretrain.registry import MODELS
    cfg = mae_cfg(args, 'PixMIM')
    cfg['target_generator'] = dict(type='LowPassTargetGenerator', radius=40)
    return MODELS.build(cfg), images(args)


def loader_transforms(args, target: bool):
    """PixMIM's train pipeline after decoding; with ``target`` the low-pass target too."""
    transforms = [
        dict(
            type='SimpleResizedCrop',
            size=args.img_size,
            padding=4,
            flip_prob=0.5,
            interpolation='bicubic',
            backend='pillow')
    ]
    if target:
        transforms.append(dict(type='LowPassTarget', radius=40))
    transforms.append(dict(type='PackInputs', algorithm_keys=['low_pass_target'] if target else []))
    return transforms


# The pair below times the step with the data loading (2 workers) included: the low-pass
# target in the model vs in the pipeline, so the table shows what moving it buys.
@register_row('pixmim_loader_model_lp', suite='pixmim')
def build_pixmim_loader_model_target(args):
    from mmpretrain.registry import MODELS
    cfg = mae_cfg(args, 'PixMIM')
    cfg['target_generator'] = dict(type='LowPassTargetGenerator', radius=40)
    return MODELS.build(cfg), loader(args, loader_transforms(args, target=False))


@register_row('pixmim_loader_pipe_lp', suite='pixmim')
def build_pixmim_loader_pipeline_target(args):
    from mmpretrain.registry import MODELS
    cfg = mae_cfg(args, 'PixMIM')
    cfg['target_generator'] = dict(type='DataSampleTarget', key='low_pass_target')
    return MODELS.build(cfg), loader(args, loader_transforms(args, target=True))
