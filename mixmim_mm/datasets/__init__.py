from . import transforms  # noqa: F401
from . import image_folder_views  # noqa: F401
