"""tools/dataset_converters/folder_to_meta.py: label files that LabelledImageFolder reads."""
import os.path as osp
import runpy

import pytest
from _config_runs import REPO_ROOT
from PIL import Image

from mixmim_mm.datasets.labelled_image_folder import LabelledImageFolder

TOOL = runpy.run_path(osp.join(REPO_ROOT, 'tools', 'dataset_converters', 'folder_to_meta.py'))


def write_tree(root, splits=('train', 'val'), classes=('n02', 'n01')):
    for split in splits:
        for c in classes:
            for i in range(2):
                path = root / split / c / f'{c}_{i}.JPEG'
                path.parent.mkdir(parents=True, exist_ok=True)
                Image.new('RGB', (8, 8)).save(path)


def test_writes_label_files_that_the_dataset_reads(tmp_path):
    write_tree(tmp_path)
    TOOL['main']([str(tmp_path)])
    assert (tmp_path / 'meta' / 'train.txt').read_text().splitlines()[0] == 'n01/n01_0.JPEG 0'
    dataset = LabelledImageFolder(
        data_root=str(tmp_path), ann_file='meta/val.txt', data_prefix='val/', pipeline=[])
    assert len(dataset) == 4 and sorted(dataset.get_gt_labels().tolist()) == [0, 0, 1, 1]


def test_splits_with_different_classes_are_refused(tmp_path):
    write_tree(tmp_path, splits=('train', ))
    write_tree(tmp_path, splits=('val', ), classes=('n01', ))
    with pytest.raises(SystemExit, match='must match'):
        TOOL['main']([str(tmp_path)])
