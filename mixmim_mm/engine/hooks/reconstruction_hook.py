"""Periodically draw MixMAE reconstructions of a fixed batch into the work dir."""
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from mixmim_mm.visualization.reconstruction import (fetch_batch, preprocessor_mean_std,
                                                    reconstruct_batch, save_reconstruction_grid)


@HOOKS.register_module()
class MixMAEReconstructionHook(Hook):
    """Write ``work_dir/<out_dir>/iter_XXXXXX.png`` every ``interval`` iterations and at the end.

    The pictures always show the same images, crops and mixing masks (all drawn from ``seed``
    with the random state saved and restored), so successive files show training progress only.
    The batch is taken from the train dataset directly, leaving the train dataloader's order
    untouched. Only the main process draws.

    Args:
        interval (int): Draw every this many training iterations; 0 or less draws only at the
            end. Defaults to 100.
        num_images (int): Training images to mix. In ``group`` mode it must be a multiple of the
            model's ``num_images``. Defaults to 8.
        before_train (bool): Also draw the untrained model (``iter_000000.png``) for
            comparison. Defaults to True.
        out_dir (str): Folder under the work dir. Defaults to ``'reconstructions'``.
        seed (int): Seed for picking images, crops and masks. Defaults to 0.
        max_rows (int, optional): Draw at most this many mixed inputs.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 100,
                 num_images: int = 8,
                 before_train: bool = True,
                 out_dir: str = 'reconstructions',
                 seed: int = 0,
                 max_rows: Optional[int] = None):
        if not isinstance(num_images, int) or num_images < 1:
            raise ValueError(f'MixMAEReconstructionHook: `num_images` must be a positive int, '
                             f'got {num_images!r}')
        self.interval = interval
        self.num_images = num_images
        self.draw_before_train = before_train
        self.out_dir = out_dir
        self.seed = seed
        self.max_rows = max_rows
        self._batch = None
        self._last_drawn = None
        self.last_file = None

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        if not hasattr(model, 'reconstruct'):
            raise TypeError(f'MixMAEReconstructionHook needs a model with `reconstruct(inputs)`, '
                            f'got {type(model).__name__}')
        group = getattr(model, 'num_images', None)
        if getattr(model, 'mix_mode', None) == 'group' and group and self.num_images % group:
            raise ValueError(
                f'MixMAEReconstructionHook: `num_images`={self.num_images} must be a multiple '
                f"of the model's num_images={group} in 'group' mix mode")
        if not is_main_process():
            return
        loader = runner.train_dataloader
        self._batch = fetch_batch(loader.dataset, self.num_images, loader.collate_fn, self.seed)
        if self.draw_before_train and runner.iter == 0:
            self._draw(runner, 0)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self.interval > 0 and self.every_n_train_iters(runner, self.interval):
            self._draw(runner, runner.iter + 1)

    def after_train(self, runner) -> None:
        self._draw(runner, runner.iter)

    def _draw(self, runner, it: int) -> None:
        if not is_main_process() or self._batch is None or self._last_drawn == it:
            return
        model = self._model(runner)
        result = reconstruct_batch(model, self._batch, seed=self.seed)
        mean, std = preprocessor_mean_std(model)
        out_file = osp.join(runner.work_dir, self.out_dir, f'iter_{it:06d}.png')
        save_reconstruction_grid(result, out_file, mean, std, max_rows=self.max_rows)
        self._last_drawn = it
        self.last_file = out_file
        runner.logger.info(f'Saved reconstruction picture to {out_file}')
