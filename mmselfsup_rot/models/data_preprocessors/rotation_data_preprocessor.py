# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Sequence, Union

import torch
from mmpretrain.models.utils.data_preprocessor import SelfSupDataPreprocessor
from mmpretrain.registry import MODELS

from mmselfsup_rot.utils.rotation import (check_square, is_right_angle,
                                          parse_angles, rot90_tensor)


@MODELS.register_module()
class RotationDataPreprocessor(SelfSupDataPreprocessor):
    """Make the rotated copies on the device, in one batched operation.

    The loader ships each image once (pipeline without a rotation
    transform); this preprocessor normalises the batch and appends its
    right-angle rotations with their labels. For ``mode='all'`` the result
    is identical, bit for bit, to a pipeline ending in
    :class:`~mmselfsup_rot.datasets.transforms.RotationWithLabels` with the
    same angles: the rotations are exact permutations and commute with the
    per-channel normalisation.

    Batches that already carry rotated copies (a list of views with
    ``rot_label`` in the data samples) pass through unrotated, so the same
    model serves both paths.

    Args:
        angles (str | Sequence[int]): Right-angle rotation set. Defaults to
            ``'four'``; ``RotationPred`` fills in its own when the config
            leaves it out.
        clockwise (bool): Rotate clockwise (mmselfsup 1.x labels).
            Defaults to False; filled in by ``RotationPred`` likewise.
        mode (str): ``'all'`` makes every rotation of every image (the
            paper); ``'random'`` draws one rotation per image (VISSL).
            Defaults to ``'all'``.
        rotate_in_test (bool): Also rotate in ``training=False`` calls, e.g.
            when validating the rotation accuracy. Defaults to True.
        channels_last (bool): Return the rotated views in the
            ``channels_last`` memory format (faster convolutions with
            cuDNN/oneDNN, see docs/speed.md). Defaults to False.
        flip_prob (float): In training, flip each image horizontally with
            this probability before rotating it, replacing the pipeline's
            ``RandomFlip`` (cheaper, see docs/speed.md). Defaults to 0.
        **kwargs: Passed to :class:`SelfSupDataPreprocessor` (``mean``,
            ``std``, ``to_rgb`` ...).
    """

    def __init__(self,
                 angles: Union[str, Sequence[int]] = 'four',
                 clockwise: bool = False,
                 mode: str = 'all',
                 rotate_in_test: bool = True,
                 channels_last: bool = False,
                 flip_prob: float = 0.,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.angles = parse_angles(angles)
        if not all(is_right_angle(a) for a in self.angles):
            raise ValueError('RotationDataPreprocessor rotates exactly and '
                             'supports right angles only, got '
                             f'{self.angles}; use the RotationWithLabels '
                             'transform for 45-degree sets.')
        if mode not in ('all', 'random'):
            raise ValueError(f"mode must be 'all' or 'random', got {mode!r}.")
        self.clockwise = clockwise
        self.mode = mode
        self.rotate_in_test = rotate_in_test
        if not 0 <= flip_prob <= 1:
            raise ValueError(f'flip_prob must be in [0, 1], got {flip_prob}.')
        self.flip_prob = flip_prob
        self.memory_format = (
            torch.channels_last if channels_last else torch.contiguous_format)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise the batch, then add its rotations and labels.

        Args:
            data (dict): A collated batch with ``inputs`` and
                ``data_samples``.
            training (bool): Whether called in training.

        Returns:
            dict: ``inputs`` as a list of ``V`` tensors ``(N, C, H, W)``
            (``V = K`` for ``'all'``, 1 for ``'random'``) and the data
            samples with ``rot_label`` (shape ``(V,)``) set.
        """
        data = super().forward(data, training)
        inputs, samples = data['inputs'], data['data_samples']
        already_rotated = isinstance(inputs, list) and samples and all(
            'rot_label' in s for s in samples)
        if already_rotated or not (training or self.rotate_in_test):
            return data
        if isinstance(inputs, list):
            if len(inputs) != 1:
                raise ValueError('RotationDataPreprocessor expects one view '
                                 f'per image, got {len(inputs)} views.')
            inputs = inputs[0]
        check_square(inputs.shape[-2], inputs.shape[-1], self.angles)
        num = inputs.shape[0]
        if training and self.flip_prob > 0:
            flip = torch.rand(num, device=inputs.device) < self.flip_prob
            inputs = torch.where(flip[:, None, None, None], inputs.flip(-1),
                                 inputs)
        if self.mode == 'all':
            views = [
                rot90_tensor(inputs, a, self.clockwise).contiguous(
                    memory_format=self.memory_format) for a in self.angles
            ]
            labels = torch.arange(
                len(self.angles), device=inputs.device).expand(num, -1)
        else:
            labels = torch.randint(
                len(self.angles), (num, 1), device=inputs.device)
            rotated = inputs.clone()
            for idx, angle in enumerate(self.angles):
                chosen = labels[:, 0] == idx
                if chosen.any():
                    rotated[chosen] = rot90_tensor(inputs[chosen], angle,
                                                   self.clockwise)
            views = [rotated.contiguous(memory_format=self.memory_format)]
        if samples is None:
            from mmpretrain.structures import DataSample
            samples = [DataSample() for _ in range(num)]
        for sample, label in zip(samples, labels):
            sample.set_field(label.clone(), 'rot_label')
        return {'inputs': views, 'data_samples': samples}
