# Each module registers its classes on import; keep one import line per module.
from .convmae import ConvMAE  # noqa: F401
from .fastmim import FastMIM  # noqa: F401
from .mixedae import MixedAE  # noqa: F401
from .mixmae import MixMAE  # noqa: F401
from .pixmim import PixMIM, PixMIMMFF  # noqa: F401
