# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from abc import abstractmethod
from typing import Any, List, Optional, Union

import torch
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.structures import DataSample


class BasePretextTask(BaseSelfSupervisor):
    """A self-supervisor whose pretext task is also predicted and evaluated.

    mmpretrain's :class:`BaseSelfSupervisor` has the ``tensor`` and ``loss``
    modes only; pretext tasks such as rotation prediction (``RotationPred``)
    or transformation decoding (``AET``) are measured on held-out data, so
    ``forward`` also dispatches ``predict`` (the mode of ``val_step`` and
    ``test_step``) to :meth:`predict`.
    """

    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """Dispatch to ``tensor``, ``loss`` or ``predict``."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    @abstractmethod
    def predict(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """The pretext-task prediction of every image, in data samples."""

    def sample_field(self, data_samples: Optional[List[DataSample]], key: str,
                     hint: str) -> List[Any]:
        """The ``key`` field of every data sample.

        Args:
            data_samples (List[DataSample], optional): The batch's samples.
            key (str): The field, e.g. ``'rot_label'``.
            hint (str): How a config provides it, for the error message.

        Returns:
            list: One value per sample.
        """
        if not data_samples or key not in data_samples[0]:
            raise KeyError(f'{type(self).__name__} needs `{key}` in the data '
                           f'samples: {hint}')
        return [sample.get(key) for sample in data_samples]
