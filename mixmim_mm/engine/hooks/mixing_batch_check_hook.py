"""Check before training that every batch can be arranged into mixed inputs."""
from mmengine.dataset import InfiniteSampler
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...models.utils.mixing import mixing_plan


@HOOKS.register_module()
class MixingBatchCheckHook(Hook):
    """Fail at start-up, not mid-epoch, when a batch could not be mixed.

    ``MixMAE`` in ``mix_mode='group'`` needs every batch size divisible by
    ``num_images`` (and ``'flip'`` an even one). The per-GPU batch size is checked, and so
    is the last, smaller batch of an epoch when ``drop_last`` is off. The first training
    sample is also run through the pipeline, so a crop size that the backbone's mask unit
    or windows do not divide is reported before any step.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, 'num_images') or not hasattr(model, 'mix_mode'):
            return
        loader = runner.train_dataloader
        sizes = {loader.batch_size}
        sampler = getattr(loader, 'sampler', None)
        # An infinite sampler never ends an epoch, so it never yields a short batch.
        finite = sampler is not None and not isinstance(sampler, InfiniteSampler)
        if not loader.drop_last and finite and hasattr(sampler, '__len__'):
            remainder = len(sampler) % loader.batch_size
            if remainder:
                sizes.add(remainder)
        for size in sorted(sizes):
            try:
                # A model whose own modes are not mixing_plan's names which plan it uses.
                mixing_plan(size, model.num_images,
                            getattr(model, 'mixing_plan_mode', model.mix_mode))
            except ValueError as e:
                last = '' if size == loader.batch_size else (
                    f' (the last batch of an epoch has {size} samples because '
                    'train_dataloader.drop_last=False)')
                raise ValueError(f'train_dataloader.batch_size={loader.batch_size}{last}: '
                                 f'{e}') from e
        self._check_input_size(model, loader)

    @staticmethod
    def _check_input_size(model, loader) -> None:
        dataset = getattr(loader, 'dataset', None)
        check = getattr(getattr(model, 'backbone', None), 'check_mixing_size', None)
        if dataset is None or check is None or len(dataset) == 0:
            return
        inputs = dataset[0].get('inputs')
        if inputs is None or getattr(inputs, 'ndim', 0) != 3:
            return
        check(tuple(inputs.shape[-2:]), source='train_dataloader.dataset.pipeline output')
