"""FastMIM-P: switch the pretraining resolution at given epochs (paper Sec. 4.2)."""
from typing import List, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from mixmim_mm.models.utils.resolution import set_backbone_input_size, swin_stage_windows

# Crop transforms whose output size the hook rewrites, and the attribute holding it.
CROP_SIZE_ATTRS = {'RandomResizedCrop': 'scale', 'SimpleResizedCrop': 'size'}


@HOOKS.register_module()
class ProgressiveResolutionHook(Hook):
    """Train in phases of increasing input size (FastMIM-P).

    At the first epoch of each phase the training pipeline's crop, the backbone's
    size-dependent parts (FastMIMViT's sin-cos table, Swin's windows and bicubically resized
    relative-position tables, see :func:`set_backbone_input_size`) follow the phase's size;
    FastMIM derives the mask grid and the HOG grid from the input, so they follow by
    themselves. Optimizer state of a resized table is reset. A resume restores the geometry of
    the checkpoint's phase before its weights are loaded, so training continues at that
    phase's size. Persistent dataloader workers are restarted at a switch so that they see
    the new crop.

    The schedule is checked before training: phases must cover ``train_cfg.max_epochs``
    exactly, sizes must increase, and every size must be divisible by the model's mask block,
    its HOG cell and token stride, and (for Swin) give stage maps the window divides.

    Args:
        phases (Sequence[dict]): ``dict(img_size=..., epochs=..., window_size=None)`` per phase,
            in order; ``window_size`` is the Swin window of the phase (Swin-L: 8/10/12 for
            128/160/192, i.e. input / 16; the paper starts from 14 and interpolates, without
            stating the per-phase windows).
    """

    priority = 'VERY_HIGH'

    def __init__(self, phases: Sequence[dict]) -> None:
        if not phases:
            raise ValueError('ProgressiveResolutionHook: phases is empty')
        self.phases = []
        for i, phase in enumerate(phases):
            unknown = set(phase) - {'img_size', 'epochs', 'window_size'}
            if unknown or 'img_size' not in phase or 'epochs' not in phase:
                raise ValueError(f'ProgressiveResolutionHook: phases[{i}]={dict(phase)} needs '
                                 f'img_size and epochs (and optionally window_size)')
            if phase['epochs'] < 1 or phase['img_size'] < 1:
                raise ValueError(f'ProgressiveResolutionHook: phases[{i}]={dict(phase)} has a '
                                 f'non-positive size or length')
            if i and phase['img_size'] <= phases[i - 1]['img_size']:
                raise ValueError(f'ProgressiveResolutionHook: phases[{i}] img_size='
                                 f'{phase["img_size"]} does not increase over phases[{i - 1}] '
                                 f'({phases[i - 1]["img_size"]})')
            self.phases.append({'window_size': None, **phase})
        self.begins = []
        begin = 0
        for phase in self.phases:
            self.begins.append(begin)
            begin += phase['epochs']
        self.total_epochs = begin
        self._model_phase: Optional[int] = None
        self._data_phase: Optional[int] = None

    def phase_of(self, epoch: int) -> int:
        """Index of the phase that trains epoch ``epoch`` (0-based)."""
        return max(i for i, b in enumerate(self.begins) if b <= epoch)

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def validate(self, model, max_epochs: int) -> None:
        """Raise a ValueError naming the phase that the model or the loop cannot run."""
        if self.total_epochs != max_epochs:
            raise ValueError(f'ProgressiveResolutionHook: phases cover {self.total_epochs} '
                             f'epochs ({[p["epochs"] for p in self.phases]}) but '
                             f'train_cfg.max_epochs={max_epochs}')
        divisors = {'mask_unit': getattr(model, 'mask_unit', None)}
        generator = getattr(model, 'target_generator', None)
        for name in ('token_stride', 'cell_size'):
            divisors[f'target_generator.{name}'] = getattr(generator, name, None)
        backbone = model.backbone
        for i, phase in enumerate(self.phases):
            size = phase['img_size']
            for name, value in divisors.items():
                if value and size % value:
                    raise ValueError(f'ProgressiveResolutionHook: phases[{i}] img_size={size} '
                                     f'is not divisible by {name}={value}')
            if phase['window_size'] is not None:
                try:
                    swin_stage_windows(size, backbone.patch_embed.projection.stride[0],
                                       len(backbone.stages), phase['window_size'])
                except ValueError as err:
                    raise ValueError(f'ProgressiveResolutionHook: phases[{i}]: {err}') from err

    def before_run(self, runner) -> None:
        self.validate(self._model(runner), runner.max_epochs)

    def _set_model_phase(self, runner, index: int) -> None:
        if index == self._model_phase:
            return
        phase = self.phases[index]
        changed = set_backbone_input_size(
            self._model(runner).backbone, phase['img_size'], phase['window_size'])
        optim_wrapper = getattr(runner, 'optim_wrapper', None)
        optimizers = []
        if optim_wrapper is not None and hasattr(optim_wrapper, 'optimizer'):
            optimizers = [optim_wrapper.optimizer]
        elif optim_wrapper is not None and hasattr(optim_wrapper, 'values'):
            optimizers = [w.optimizer for w in optim_wrapper.values()]
        for optimizer in optimizers:
            for param in changed:
                optimizer.state.pop(param, None)
        self._model_phase = index
        runner.logger.info(f'ProgressiveResolutionHook: model set to {phase["img_size"]} px '
                           f'(phase {index}, window {phase["window_size"]})')

    def _set_data_phase(self, runner, index: int) -> None:
        if index == self._data_phase:
            return
        size = self.phases[index]['img_size']
        dataloader = runner.train_dataloader
        found = self._set_crop(dataloader.dataset, size)
        if not found:
            raise ValueError(f'ProgressiveResolutionHook: no {sorted(CROP_SIZE_ATTRS)} in the '
                             f'training pipeline to resize')
        iterator = getattr(dataloader, '_iterator', None)
        if iterator is not None and hasattr(iterator, '_shutdown_workers'):
            # Persistent workers hold a copy of the old pipeline.
            iterator._shutdown_workers()
            dataloader._iterator = None
        self._data_phase = index

    @staticmethod
    def _set_crop(dataset, size: int) -> List[str]:
        while not hasattr(dataset, 'pipeline') and hasattr(dataset, 'dataset'):
            dataset = dataset.dataset
        found = []
        for transform in getattr(dataset.pipeline, 'transforms', []):
            attr = CROP_SIZE_ATTRS.get(type(transform).__name__)
            if attr is not None:
                value = getattr(transform, attr)
                setattr(transform, attr, size if isinstance(value, int) else (size, size))
                found.append(type(transform).__name__)
        return found

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # Weights saved after `epoch` epochs have the geometry of the phase of the last one.
        epoch = checkpoint.get('meta', {}).get('epoch', 0)
        self._set_model_phase(runner, self.phase_of(max(epoch - 1, 0)))

    def before_train_epoch(self, runner) -> None:
        index = self.phase_of(runner.epoch)
        self._set_model_phase(runner, index)
        self._set_data_phase(runner, index)
