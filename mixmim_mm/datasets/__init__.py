from . import image_folder_views  # noqa: F401
from . import labelled_image_folder  # noqa: F401
from . import transforms  # noqa: F401
