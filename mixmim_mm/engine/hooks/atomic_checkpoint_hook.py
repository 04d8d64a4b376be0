"""CheckpointHook whose "latest checkpoint" survives a crash during saving."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmpretrain.registry import HOOKS

from ..atomic_local_backend import AtomicLocalBackend


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """A drop-in :class:`~mmengine.hooks.CheckpointHook` that never leaves a corrupt latest
    checkpoint.

    mmengine's hook has three weak points when a job dies while saving:

    1. the ``.pth`` is written in place (a partial file under its final name);
    2. the ``last_checkpoint`` pointer is written with a plain ``open(..., 'w')``, which
       truncates it first, and does not go through ``backend_args``;
    3. with ``max_keep_ckpts``, the oldest checkpoint is deleted *before* the new one is
       saved; with ``max_keep_ckpts=1`` that is the very checkpoint ``last_checkpoint``
       points to.

    This hook writes the ``.pth`` through ``backend_args`` (defaulting to the
    ``atomic_local`` backend, see :class:`AtomicLocalBackend`), replaces the pointer
    atomically, and deletes outdated checkpoints only after the new checkpoint and the
    pointer are in place. If the job dies between those steps, one extra old checkpoint
    may remain on disk; it is never referenced, so it is harmless.

    Args:
        **kwargs: Same as :class:`~mmengine.hooks.CheckpointHook`. When neither
            ``backend_args`` nor ``file_client_args`` is given, ``backend_args`` defaults
            to ``dict(backend='atomic_local')``.
    """

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get('backend_args') is None and kwargs.get('file_client_args') is None:
            kwargs['backend_args'] = dict(backend='atomic_local')
        super().__init__(*args, **kwargs)

    def _save_checkpoint_with_step(self, runner, step, meta):
        outdated = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            # Update the bookkeeping before saving so the checkpoint records it (resume
            # relies on it), but delete the outdated files only after saving.
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)

        # Model-parallel runs save shards on every rank; only the main rank owns the files.
        if not is_main_process():
            return

        # mmengine keeps the pointer in the (local) work dir whatever the backend is.
        AtomicLocalBackend().put_text(self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))

        for old_step in outdated:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old_step))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                # DeepSpeed saves checkpoints as folders.
                self.file_backend.rmtree(path)
