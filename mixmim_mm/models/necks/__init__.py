# Each module registers its classes on import; keep one import line per module.
from .convmae_decoder import ConvMAEPretrainDecoder  # noqa: F401
from .fastmim_decoder import FastMIMDecoder  # noqa: F401
from .mixmae_decoder import MixMAEDecoder  # noqa: F401
from .simple_feature_pyramid import SimpleFeaturePyramid  # noqa: F401
