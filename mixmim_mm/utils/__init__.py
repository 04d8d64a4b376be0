from .complexity import get_flops_params  # noqa: F401
