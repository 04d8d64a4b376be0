# Each module registers its classes on import; keep one import line per module.
from .fastmim_head import FastMIMHead  # noqa: F401
from .homologous_contrastive_head import HomologousContrastiveHead  # noqa: F401
from .mixmae_head import MixMAEHead  # noqa: F401
