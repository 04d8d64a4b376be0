# Each module registers its classes on import; keep one import line per module.
from .convmae_vit import ConvMAEViT  # noqa: F401
from .convmae_vit_dense import ConvMAEViTDense  # noqa: F401
from .fastmim_vit import FastMIMViT  # noqa: F401
from .loud_openmmlab import LoudVisionTransformer  # noqa: F401
from .lsmae_vit import LSMAEViT  # noqa: F401
from .mixedae_vit import MixedAEViT  # noqa: F401
from .mixmae_swin import MixMAESwinTransformer  # noqa: F401
from .mixmae_twins import MixMAESVT  # noqa: F401
from .mixmae_vit import MixMAEViT  # noqa: F401

try:  # PVT reuses mmdet's modules; mmdet is an optional dependency ([det] extra)
    from .mixmae_pvt import MixMAEPVT  # noqa: F401
except ImportError:
    pass
