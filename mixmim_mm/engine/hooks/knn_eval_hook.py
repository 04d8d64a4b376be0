"""An online kNN monitor: how good the features are while pretraining runs."""
import time
from typing import Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...evaluation.features import encode, labelled_loader
from ...evaluation.knn import knn_top1


@HOOKS.register_module()
class KNNEvalHook(Hook):
    """Every ``interval`` epochs (or iterations), the kNN top-1 of the current backbone on
    labelled images, logged as ``knn_top1`` through the runner's logger and visualizer (so
    TensorBoard or W&B show it beside the loss).

    The model's own data preprocessor and its backbone's unmasked forward encode a random
    subset of the labelled training split (the memory bank) and of the val split, in the
    evaluation view (short side to ``img_size``, centre crop); each val image is classified
    by the DINO protocol (cosine similarity, ``k`` neighbours, votes weighted by
    ``exp(cosine / temperature)``). It runs in eval mode under ``no_grad`` and restores the
    model's mode; it changes no weight and draws no random number from the training's
    generators. Only the main process evaluates.

    Args:
        data_root (str, optional): A labelled folder in MMPretrain's ``CustomDataset``
            layout: ``meta/train.txt``, ``meta/val.txt``, ``train/``, ``val/``. None: the
            ``data_root`` of the training dataset. Defaults to None.
        img_size (int): Side of the evaluation view. Defaults to 128.
        interval (int): Evaluate every this many epochs (``by_epoch``) or iterations, and
            after the last. Defaults to 5: on the small-scale Imagenette configs (an epoch
            of about 45 s on 2 cores, an evaluation of about 4.5 s) a 10-epoch run spends
            about 3% of its time in the three evaluations (start, epoch 5, epoch 10);
            every epoch would cost about 11%.
        by_epoch (bool): Count ``interval`` in epochs. Defaults to True.
        num_train_samples (int, optional): Size of the memory bank, drawn from the training
            split (None: all of it). Defaults to 1000.
        num_val_samples (int, optional): Val images classified (None: all). Defaults to 500.
        k (int): Neighbours. Defaults to 20.
        temperature (float): Vote temperature. Defaults to 0.07.
        at_start (bool): Also evaluate before the first step (the initialisation's score).
            Defaults to True.
        batch_size (int): Encoding batch size. Defaults to 64.
        num_workers (int): Encoding loader workers. Defaults to 2.
        seed (int): Seed of the subsets (the same images at every evaluation). Defaults to 0.
    """

    priority = 'LOW'

    def __init__(self,
                 data_root: Optional[str] = None,
                 img_size: int = 128,
                 interval: int = 5,
                 by_epoch: bool = True,
                 num_train_samples: Optional[int] = 1000,
                 num_val_samples: Optional[int] = 500,
                 k: int = 20,
                 temperature: float = 0.07,
                 at_start: bool = True,
                 batch_size: int = 64,
                 num_workers: int = 2,
                 seed: int = 0) -> None:
        if interval < 1:
            raise ValueError(f'KNNEvalHook: interval must be >= 1, got {interval}')
        self.data_root = data_root
        self.img_size = img_size
        self.interval = interval
        self.by_epoch = by_epoch
        self.num_samples = dict(train=num_train_samples, val=num_val_samples)
        self.k = k
        self.temperature = temperature
        self.at_start = at_start
        self.loader_args = dict(batch_size=batch_size, num_workers=num_workers, seed=seed)
        #: ``[dict(iter, epoch, knn_top1, seconds, train_seconds), ...]``, one entry per
        #: evaluation: ``epoch`` counts the finished epochs, ``train_seconds`` is the run's
        #: time so far without the evaluations.
        self.history = []
        #: Time spent evaluating, in seconds.
        self.seconds = 0.0
        self._start = None

    def before_train(self, runner) -> None:
        if not is_main_process():
            return
        self._start = time.perf_counter()
        # Built (and the label files checked) before the first step, so a bad data root
        # fails now rather than at the first evaluation.
        data_root = self.data_root or runner.train_dataloader.dataset.data_root
        self.loaders = {
            split:
            labelled_loader(
                data_root,
                split,
                self.img_size,
                num_samples=self.num_samples[split],
                **self.loader_args)
            for split in ('train', 'val')
        }
        if self.at_start:
            self.evaluate(runner, epochs_done=0)

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and (self.every_n_epochs(runner, self.interval)
                              or self.is_last_train_epoch(runner)):
            self.evaluate(runner, epochs_done=runner.epoch + 1)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.by_epoch and (self.every_n_train_iters(runner, self.interval)
                                  or self.is_last_train_iter(runner)):
            self.evaluate(runner, epochs_done=runner.epoch)

    def evaluate(self, runner, epochs_done: int) -> float:
        """Encode, classify, log; returns the top-1 accuracy (0..1)."""
        if not is_main_process():
            return float('nan')
        start = time.perf_counter()
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        # A DataLoader draws its workers' base seed from torch's generator: keep the
        # training's random stream as it would be without this hook.
        devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=devices):
            train_features, train_labels = encode(model, self.loaders['train'])
            val_features, val_labels = encode(model, self.loaders['val'])
        num_classes = int(max(train_labels.max(), val_labels.max())) + 1
        top1 = knn_top1(train_features, train_labels, val_features, val_labels, num_classes, self.k,
                        self.temperature)
        seconds = time.perf_counter() - start
        train_seconds = start - self._start - self.seconds if self._start else 0.0
        self.seconds += seconds
        self.history.append(
            dict(
                iter=runner.iter,
                epoch=epochs_done,
                knn_top1=top1,
                seconds=seconds,
                train_seconds=train_seconds))
        runner.visualizer.add_scalars({'knn_top1': top1}, step=runner.iter)
        runner.logger.info(
            f'kNN top-1 {100 * top1:.2f}% at iteration {runner.iter} ({len(train_labels)} '
            f'train / {len(val_labels)} val images, k={self.k}, {seconds:.1f} s)')
        return top1
