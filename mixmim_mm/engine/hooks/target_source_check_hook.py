"""Check before training that the reconstruction target comes from exactly one side."""
from typing import List

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...datasets.transforms.image_targets import ImageTargetTransform


def pipeline_transforms(dataset) -> List:
    """The transforms of ``dataset``'s pipeline, looking through dataset wrappers."""
    while getattr(dataset, 'pipeline', None) is None and hasattr(dataset, 'dataset'):
        dataset = dataset.dataset  # RepeatDataset, ClassBalancedDataset, ...
    if hasattr(dataset, 'datasets'):  # ConcatDataset: every member must agree
        return [t for member in dataset.datasets for t in pipeline_transforms(member)]
    return list(getattr(getattr(dataset, 'pipeline', None), 'transforms', []))


@HOOKS.register_module()
class TargetSourceCheckHook(Hook):
    """Fail at start-up when the train pipeline and the model disagree on the target.

    Checked against the built train pipeline, before any step:

    * a target transform (``LowPassTarget``, ...) in the pipeline needs a model whose
      ``target_generator`` is ``DataSampleTarget`` with the same key; a model that computes
      its own target (or reconstructs its input) is the config asking for both;
    * a ``DataSampleTarget`` needs a transform writing its key and ``PackInputs`` carrying it;
    * the reader's ``pixel_space`` matches the transform's, and a feature transform's
      ``to_rgb`` (``HOGTarget``) matches the data preprocessor's;
    * nothing but ``PackInputs`` (or another target transform) may follow a target transform:
      a crop or flip after it would give the image and its target different augmentations.

    The model also checks every batch (see ``ReconstructionTargetMixin``); this hook reports
    the same mistakes, and the ones a batch cannot show, before the first iteration.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, 'target_from_pipeline'):
            return
        transforms = pipeline_transforms(getattr(runner.train_dataloader, 'dataset', None))
        targets = [t for t in transforms if isinstance(t, ImageTargetTransform)]
        where = 'train_dataloader.dataset.pipeline'
        for target in targets:
            after = transforms[transforms.index(target) + 1:]
            moved = [
                type(t).__name__ for t in after
                if not isinstance(t, ImageTargetTransform) and type(t).__name__ != 'PackInputs'
            ]
            if moved:
                raise ValueError(f"{where}: {moved} follow {type(target).__name__} (key "
                                 f"'{target.key}'); the target must be computed from the final "
                                 f'augmented image, so put it after them')
        if not model.target_from_pipeline:
            if targets:
                own = (f'target_generator={type(model.target_generator).__name__}'
                       if model.with_target_generator else 'no target_generator')
                raise ValueError(
                    f"{where} computes '{targets[0].key}' with {type(targets[0]).__name__}, but "
                    f"the model has {own}; set target_generator=dict(type='DataSampleTarget', "
                    f"key='{targets[0].key}') or remove the transform")
            return
        key = model.target_generator.key
        if not any(t.key == key for t in targets):
            found = [t.key for t in targets]
            raise ValueError(f"model.target_generator reads '{key}' but no target transform in "
                             f'{where} writes it (target transforms there write {found})')
        writer = next(t for t in targets if t.key == key)
        reader = model.target_generator
        if writer.pixel_space != reader.pixel_space:
            raise ValueError(f"{type(writer).__name__} in {where} writes '{key}' as "
                             f"{'an image' if writer.pixel_space else 'features'}, but "
                             f'model.target_generator has pixel_space={reader.pixel_space}; set '
                             f'pixel_space={writer.pixel_space}')
        swap = bool(getattr(model.data_preprocessor, '_channel_conversion', False))
        if not writer.pixel_space and getattr(writer, 'to_rgb', swap) != swap:
            # Pixel-space targets are converted model side; features must be made in the
            # channel order the model-side generator would see.
            raise ValueError(f'{type(writer).__name__} in {where} has to_rgb={writer.to_rgb} but '
                             f'the data preprocessor has to_rgb={swap}; the per-channel target '
                             f'would come in the wrong channel order, set them equal')
        packs = [t for t in transforms if type(t).__name__ == 'PackInputs']
        if packs and key not in tuple(packs[-1].algorithm_keys):
            raise ValueError(f"{where}: PackInputs does not carry '{key}' into the data "
                             f"samples; add it: PackInputs(algorithm_keys=['{key}'])")
