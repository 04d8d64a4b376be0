"""Where an algorithm's reconstruction target comes from: the model or the data pipeline."""
from typing import List, Optional

import torch

from ..target_generators.base import BaseTargetGenerator, pipeline_target_key
from ..target_generators.preprocessor_stats import attach_preprocessor_normalization


class ReconstructionTargetMixin:
    """Target selection shared by every algorithm that takes a ``target_generator``.

    * a generator that reads the data samples (``DataSampleTarget``): the pipeline made the
      target; it is stacked, checked and normalised like the inputs.
    * any other generator: the target is computed from the preprocessed batch.
    * none: the algorithm reconstructs its input.

    The generator is a :class:`~mixmim_mm.models.target_generators.base.BaseTargetGenerator`
    (its declarations are the contract). Mixed in before the MMPretrain base class, this
    class builds nothing itself: after the base class has built the model it checks the
    generator's type and hands it the data preprocessor's mean/std and channel order.

    A batch that carries a pipeline target while the model computes its own (or uses the
    input) raises, naming the key: the config asks for both.

    A subclass whose method defines its target (PixMIM's low-pass image) names it in
    ``default_target_generator``; it is built when the config gives no ``target_generator``.
    """

    #: Config of the generator used when none is given (None: reconstruct the input).
    default_target_generator: Optional[dict] = None

    def __init__(self, *args, **kwargs):
        # MMPretrain's BaseSelfSupervisor takes target_generator as its fourth argument.
        given_positionally = len(args) > 3
        if (self.default_target_generator is not None and not given_positionally
                and kwargs.get('target_generator') is None):
            kwargs['target_generator'] = dict(self.default_target_generator)
        super().__init__(*args, **kwargs)
        if self.with_target_generator:
            if not isinstance(self.target_generator, BaseTargetGenerator):
                raise TypeError(
                    f'{type(self).__name__}: target_generator must be a BaseTargetGenerator '
                    f'(LowPassTargetGenerator, HOGTargetGenerator, DataSampleTarget, or a '
                    f'subclass), got {type(self.target_generator).__name__}')
            attach_preprocessor_normalization(self)

    @property
    def target_from_pipeline(self) -> bool:
        """Whether the target is read from the data samples."""
        return self.with_target_generator and self.target_generator.reads_data_samples

    def reconstruction_target(self,
                              inputs: torch.Tensor,
                              data_samples: Optional[List] = None) -> torch.Tensor:
        """The batch's reconstruction target (see the class docstring)."""
        if self.target_from_pipeline:
            return self.target_generator(inputs, data_samples)
        key = pipeline_target_key(data_samples)
        if key is not None:
            own = (f'target_generator={type(self.target_generator).__name__}'
                   if self.with_target_generator else 'no target_generator')
            raise ValueError(
                f"{type(self).__name__}: the data samples carry '{key}' from a target "
                f'transform in the train pipeline, but the model has {own}; to train on the '
                f"pipeline's target set target_generator=dict(type='DataSampleTarget', "
                f"key='{key}'), otherwise remove the transform and '{key}' from "
                f'PackInputs.algorithm_keys')
        if not self.with_target_generator:
            return inputs
        target = self.target_generator(inputs)
        if not self.target_generator.per_token_target and target.shape != inputs.shape:
            raise RuntimeError(f'target_generator returned shape {tuple(target.shape)} for '
                               f'inputs of shape {tuple(inputs.shape)}')
        return target
