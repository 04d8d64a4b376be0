"""Helpers shared by the config tests that train a config for 2 Runner iterations."""
import uuid

import pytest


@pytest.fixture
def two_iteration_cfg(tmp_path):
    """Return ``shorten(cfg, data_root, pipeline, batch_size, num_workers=0)``: ``cfg`` trained
    for one epoch on the images of ``data_root`` (2 batches of ``batch_size``), on the CPU.

    AMP needs a GPU, so the optimiser
    wrapper becomes a plain one (its other settings are kept); the long warm-up cannot fit one
    epoch, so the schedule is a short one of the same kind.
    """

    def shorten(cfg, data_root, pipeline, batch_size, num_workers=0):
        cfg.train_dataloader = dict(
            batch_size=batch_size, num_workers=num_workers, persistent_workers=False,
            drop_last=True, sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            dataset=dict(type='CustomDataset', data_root=str(data_root), with_label=False,
                         pipeline=pipeline))
        cfg.optim_wrapper.type = 'OptimWrapper'
        cfg.optim_wrapper.pop('loss_scale', None)
        cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
        cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, end=2)]
        cfg.default_hooks.logger.interval = 1
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10)
        cfg.work_dir = str(tmp_path / 'work')
        cfg.experiment_name = f'test_{uuid.uuid4().hex}'
        cfg.resume = False
        return cfg

    return shorten


def record_target_generator(runner):
    """``[(inputs, target), ...]`` of every ``runner.model.target_generator`` call from now on."""
    seen = []
    runner.model.target_generator.register_forward_hook(
        lambda module, args, out: seen.append((args[0].detach().clone(), out.detach().clone())))
    return seen


@pytest.fixture
def target_recorder():
    return record_target_generator
