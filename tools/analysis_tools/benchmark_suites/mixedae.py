"""The ``mixedae`` suite: our MixedAE (compose) vs MMPretrain's MAE, ViT encoders (``--vit-arch``).

Both rows take the same batch of ``--batch-size`` images (a multiple of 4), so step times
compare per image: MixedAE encodes ``B / 4`` mixed images of all ``L`` patches, MAE ``B``
images of ``L / 4`` visible patches; both decode ``B`` sequences with the 8 x 512 decoder.
MixedAE is built from ``configs/mixedae/_base_/mixedae_vit-base-p16.py`` with the encoder
swapped for ``--vit-arch``. Two more rows isolate the cost of the parts: without the TopK
sampling-accuracy diagnostic, and naive mixing (global attention, no segment embedding, no
contrastive loss). The paper reports +3 % GPU time over MAE for ViT-B.
"""
import os.path as osp

from ._common import images
from .pixmim import mae_cfg
from .registry import register_row, register_suite

REFERENCE_ROW = 'mixedae_ref_mmpretrain_mae'
register_suite('mixedae', REFERENCE_ROW,
               'configs/mixedae/mixedae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py')
MODEL_BASE = osp.join(
    osp.dirname(__file__), '..', '..', '..', 'configs', 'mixedae', '_base_',
    'mixedae_vit-base-p16.py')


def mixedae_cfg(args, **backbone) -> dict:
    from mmengine.config import Config
    from mmpretrain.models.selfsup.mae import MAEViT
    if args.batch_size % 4:
        raise SystemExit(f'the mixedae rows mix groups of 4 images: --batch-size must be a '
                         f'multiple of 4, got {args.batch_size}')
    width = MAEViT.arch_zoo[args.vit_arch]['embed_dims']
    cfg = Config.fromfile(MODEL_BASE).model.to_dict()
    cfg['backbone'].update(arch=args.vit_arch, img_size=args.img_size, **backbone)
    cfg['neck']['in_channels'] = width
    cfg['contrastive_head']['in_channels'] = width
    cfg['data_preprocessor'] = mae_cfg(args, 'MAE')['data_preprocessor']
    return cfg


@register_row(
    REFERENCE_ROW,
    suite='mixedae',
    optim_config='mmpretrain::mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py')
def build_mmpretrain_mae(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mae_cfg(args, 'MAE')), images(args)


@register_row('mixedae_compose', suite='mixedae')
def build_mixedae(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixedae_cfg(args)), images(args)


@register_row('mixedae_compose_no_diagnostic', suite='mixedae')
def build_mixedae_without_diagnostic(args):
    from mmpretrain.registry import MODELS
    return MODELS.build(mixedae_cfg(args, record_topk_accuracy=False)), images(args)


@register_row('mixedae_naive_mixing', suite='mixedae')
def build_naive_mixing(args):
    from mmpretrain.registry import MODELS
    cfg = mixedae_cfg(args, attention='global', segment_embed=False)
    cfg['contrastive_head'] = None
    return MODELS.build(cfg), images(args)
