"""Fixtures for the downstream tests: generated data sets and a mini pretraining checkpoint."""
import pytest
from _downstream_data import build_mini_mixmae
from _generated_data import write_ade, write_coco

from mixmim_mm.converters import save_checkpoint_file


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    write_coco(root, 'train', 4, seed=0)
    write_coco(root, 'val', 2, seed=1)
    return root


@pytest.fixture(scope='module')
def ade_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ade'))
    write_ade(root, 'training', 4, seed=0)
    write_ade(root, 'validation', 2, seed=1)
    return root


@pytest.fixture(scope='module')
def mini_pretrain_checkpoint(tmp_path_factory):
    """A mini MixMAE pretraining state dict saved like the pretraining code saves it."""
    model = build_mini_mixmae()
    path = str(tmp_path_factory.mktemp('pretrain') / 'mixmae_mini.pth')
    save_checkpoint_file(model.state_dict(), path)
    return path, {k: v.clone() for k, v in model.state_dict().items()}
