"""The ``mixmae-backbones`` suite: MixMAE on PVT-L, Twins-SVT-L and ViT-B vs full-image
masked pretraining of the same encoder.

MMPretrain has SimMIM only for Swin, so each encoder's reference row is a SimMIM-style
step built here: the encoder on full 224 px images (SimMIM's [MASK] tokens replace patch
embeddings and cost nothing extra), SimMIM's linear decoder (a 1x1 convolution from the
stride-32 features to 32x32x3 pixels per cell) and an L1 loss. The MixMAE rows mix 4 images
per input (``group`` mode), the paper's main setting, with its 512-d 8-block decoder. Every
row is measured against its own encoder's reference (``step/ref`` and ``per-img/ref``): the
paper's claim is that mixing is cheaper per image than SimMIM on these encoders. Run it at
several batch sizes (``--batch-size 8 16 32``): at 8 a mixed batch holds only 2 inputs and the
AdamW step over the decoder's 26M parameters is a cost per step, so the per-image ratio falls
towards the FLOP ratio (``flop/ref``) as the batch grows.

``--arch mini`` swaps in tiny versions of the three encoders (a smoke test); any other
``--arch`` value gives PVT-L, Twins-SVT-L and ViT-B/16.
"""
import torch.nn as nn
import torch.nn.functional as F

from ._common import images
from .registry import register_row, register_suite

# Both rows of an encoder are ours (the reference is a SimMIM-style step of the same
# encoder): both train with MixMAE's optimizer settings.
register_suite('mixmae-backbones', 'simmim_style_pvt-l',
               'configs/mixmae/mixmae_pvt-large_8xb128-amp-coslr-600e_in1k.py')

# Row suffix (pvt-l: PVT-L, svt-l: Twins-SVT-L, vit-b: ViT-B/16) -> (full-size backbone, mini
# backbone, output width full / mini).
ENCODERS = {
    'pvt-l': (dict(type='MixMAEPVT', arch='large'),
              dict(
                  type='MixMAEPVT',
                  arch=dict(
                      embed_dims=8,
                      num_layers=[1, 1, 1, 1],
                      num_heads=[1, 2, 2, 4],
                      mlp_ratios=[2] * 4)), 512, 32),
    'svt-l': (dict(type='MixMAESVT', arch='large'),
              dict(
                  type='MixMAESVT',
                  arch=dict(
                      embed_dims=[8, 16, 16, 32],
                      depths=[2, 2, 2, 2],
                      num_heads=[1, 2, 2, 4],
                      patch_sizes=[4, 2, 2, 2],
                      strides=[4, 2, 2, 2],
                      mlp_ratios=[2] * 4,
                      sr_ratios=[8, 4, 2, 1],
                      window_sizes=[7, 7, 7, 7])), 1024, 32),
    'vit-b': (dict(type='MixMAEViT', arch='base'),
              dict(
                  type='MixMAEViT',
                  arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                            feedforward_channels=64)), 768, 32),
}


def encoder_cfg(args, name):
    full, mini, width, mini_width = ENCODERS[name]
    small = args.arch == 'mini'
    return dict(mini if small else full, img_size=args.img_size), \
        mini_width if small else width, small


class SimMIMStyleStep(nn.Module):
    """SimMIM's cost on an encoder: full images through it, a linear decoder, L1 on pixels.

    Args:
        backbone (nn.Module): Encoder whose ``forward(x)`` ends with stride-32 features.
        in_channels (int): Width of those features.
        stride (int): Pixels per feature (the decoder predicts ``stride**2 * 3`` each).
    """

    def __init__(self, backbone: nn.Module, in_channels: int, stride: int = 32):
        super().__init__()
        self.backbone = backbone
        self.stride = stride
        self.decoder = nn.Conv2d(in_channels, stride**2 * 3, 1)

    def init_weights(self):
        self.backbone.init_weights()

    def loss(self, inputs, data_samples=None):
        feat = self.backbone(inputs)[-1]
        if feat.dim() == 3:  # ViT tokens (B, L, C) -> (B, C, h, w) at stride 16
            side = inputs.shape[-1] // 16
            feat = feat.transpose(1, 2).reshape(feat.shape[0], -1, side, side)
        if feat.shape[-1] != inputs.shape[-1] // self.stride:
            feat = F.avg_pool2d(feat, feat.shape[-1] // (inputs.shape[-1] // self.stride))
        pred = F.pixel_shuffle(self.decoder(feat), self.stride)
        return dict(loss=F.l1_loss(pred, inputs))


def register_encoder(name):

    @register_row(
        f'mixmae_group_4img_{name}', suite='mixmae-backbones', reference=f'simmim_style_{name}')
    def build_mixmae(args):
        from mmpretrain.registry import MODELS
        backbone, width, small = encoder_cfg(args, name)
        decoder = dict(embed_dims=32, depth=1, num_heads=2) if small else \
            dict(embed_dims=512, depth=8, num_heads=16)
        return MODELS.build(
            dict(
                type='MixMAE',
                num_images=4,
                mix_mode='group',
                backbone=backbone,
                neck=dict(type='MixMAEDecoder', in_channels=width, **decoder),
                head=dict(type='MixMAEHead', norm_pix=True))), images(args)

    @register_row(
        f'simmim_style_{name}', suite='mixmae-backbones', reference=f'simmim_style_{name}')
    def build_reference(args):
        from mmpretrain.registry import MODELS
        backbone, width, _ = encoder_cfg(args, name)
        return SimMIMStyleStep(MODELS.build(backbone), width), images(args)


for _name in ENCODERS:
    register_encoder(_name)
