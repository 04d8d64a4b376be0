from . import algorithms, backbones, heads, necks, target_generators, utils  # noqa: F401
