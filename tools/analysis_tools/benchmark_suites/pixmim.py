"""The ``pixmim`` suite: MMPretrain's MAE vs our PixMIM on MAE, ViT encoders (``--vit-arch``).

Mask ratio 0.75 and ``norm_pix`` as MMPretrain's recipe. Rows whose model has a target
generator also time that generator alone (see ``benchmark_pretrain.time_target_generator``).
"""
from ._common import images
from .registry import register_row, register_suite

MAE_REFERENCE_ROW = 'mmpretrain_mae_vit-b'
register_suite('pixmim', MAE_REFERENCE_ROW)


def mae_cfg(args, algorithm: str) -> dict:
    """MMPretrain's MAE ViT recipe (mask 0.75, 8-block 512-d decoder, norm_pix L2)."""
    from mmpretrain.models.selfsup.mae import MAEViT
    arch = MAEViT.arch_zoo[args.vit_arch]
    patch = 16
    return dict(
        type=algorithm,
        # Normalising preprocessor, so the low-pass target also pays for its
        # de-normalise / re-normalise round trip, as in the real configs.
        data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], to_rgb=True),
        backbone=dict(type='MAEViT', arch=args.vit_arch, img_size=args.img_size,
                      patch_size=patch, mask_ratio=0.75),
        neck=dict(type='MAEPretrainDecoder', num_patches=(args.img_size // patch)**2,
                  patch_size=patch, in_chans=3, embed_dim=arch['embed_dims'],
                  decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16, mlp_ratio=4.),
        head=dict(type='MAEPretrainHead', norm_pix=True, patch_size=patch,
                  loss=dict(type='PixelReconstructionLoss', criterion='L2')))


@register_row(MAE_REFERENCE_ROW, suite='pixmim')
def build_mmpretrain_mae(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mae_cfg(args, 'MAE')), images(args)


@register_row('pixmim_mae_vit-b', suite='pixmim')
def build_pixmim_mae(args):
    from mmpretrain.registry import MODELS
    cfg = mae_cfg(args, 'PixMIM')
    cfg['target_generator'] = dict(type='LowPassTargetGenerator', radius=40)
    return MODELS.build(cfg), images(args)
