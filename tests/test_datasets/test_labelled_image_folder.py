"""LabelledImageFolder: CustomDataset whose files are checked when it is built."""
import os

import pytest
from _generated_data import write_imagenet_split
from mmpretrain.registry import DATASETS

import mixmim_mm  # noqa: F401


def build(root, **kwargs):
    return DATASETS.build(
        dict(
            type='LabelledImageFolder',
            data_root=str(root),
            ann_file='meta/train.txt',
            data_prefix='train/',
            **kwargs))


def test_reads_the_custom_dataset_layout(tmp_path):
    write_imagenet_split(str(tmp_path), 'train', 6, num_classes=3, size=(16, 16))
    dataset = build(tmp_path)
    assert len(dataset) == 6 and sorted(set(dataset.get_gt_labels())) == [0, 1, 2]


def test_a_listed_image_that_does_not_exist_is_named_at_build_time(tmp_path):
    write_imagenet_split(str(tmp_path), 'train', 6, size=(16, 16))
    with open(tmp_path / 'meta' / 'train.txt') as f:
        first = f.readline().split()[0]
    os.remove(tmp_path / 'train' / first)
    with pytest.raises(FileNotFoundError, match=f'1 of the 6 images.*{first}'):
        build(tmp_path)


def test_a_folder_without_images_is_named(tmp_path):
    (tmp_path / 'train' / 'n0').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=f'LabelledImageFolder.*{tmp_path}'):
        DATASETS.build(
            dict(type='LabelledImageFolder', data_root=str(tmp_path), data_prefix='train/'))


def test_an_empty_label_file_is_named(tmp_path):
    (tmp_path / 'meta').mkdir()
    (tmp_path / 'meta' / 'train.txt').write_text('')
    with pytest.raises(FileNotFoundError, match='no image found'):
        build(tmp_path)
