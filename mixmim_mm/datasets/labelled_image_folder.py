"""MMPretrain's ``CustomDataset`` layout, with its files checked when the dataset is built."""
import os.path as osp

from mmpretrain.datasets import CustomDataset
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class LabelledImageFolder(CustomDataset):
    """``CustomDataset`` (``meta/<split>.txt`` lines ``<class>/<file> <label>`` under a
    ``data_prefix`` folder, or one sub-folder per class) that fails at build time, naming
    the folder or the label file, when it finds no image or when the label file lists an
    image that does not exist. ``CustomDataset`` alone would stop at the first batch that
    reads the missing file, possibly hours into a run.

    Args:
        **kwargs: ``CustomDataset`` arguments (``data_root``, ``ann_file``, ``data_prefix``,
            ``with_label``, ``pipeline``, ...).
    """

    def load_data_list(self):
        where = f"{type(self).__name__}(data_root={self.data_root!r}, " \
                f"ann_file={self.ann_file!r}, data_prefix={self.data_prefix.get('img_path')!r})"
        try:
            data_list = super().load_data_list()
        except (FileNotFoundError, RuntimeError, AssertionError) as error:
            raise FileNotFoundError(f'{where}: {error}') from error
        if not data_list:
            raise FileNotFoundError(f'{where}: no image found')
        local = [d['img_path'] for d in data_list if '://' not in d['img_path']]
        missing = [path for path in local if not osp.isfile(path)]
        if missing:
            raise FileNotFoundError(
                f'{where}: {len(missing)} of the {len(data_list)} images it lists do not '
                f'exist, e.g. {missing[:3]}')
        return data_list
