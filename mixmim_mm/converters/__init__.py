"""Checkpoint converters from other implementations to this package's keys."""
from .backbone_only import backbone_state_dict  # noqa: F401
from .checkpoint_io import load_state_dict_file, save_checkpoint_file  # noqa: F401
from .mixmae_encoders import convert_mixmae_encoder  # noqa: F401
from .mmpretrain_mixmim import convert_mmpretrain_mixmim  # noqa: F401
from .official_fastmim import convert_official_fastmim, detect_official_fastmim  # noqa: F401
from .official_mixmim import convert_official_mixmim  # noqa: F401
