# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmselfsup_rot.utils.rotation import parse_angles


@MODELS.register_module()
class RotationPred(BaseSelfSupervisor):
    """RotNet: learn features by predicting image rotations.

    Implementation of `Unsupervised Representation Learning by Predicting
    Image Rotations <https://arxiv.org/abs/1803.07728>`_.

    Inputs arrive as a list of ``V`` views ``(N, C, H, W)`` with
    ``rot_label`` (shape ``(V,)``) in every data sample: ``V = K`` when all
    rotations are made (the paper), ``V = 1`` for one random rotation per
    image (VISSL). The views are concatenated into one batch of ``N * V``
    images, so BatchNorm sees all rotations together as in the paper.

    Args:
        backbone (dict): Backbone config.
        head (dict): Config of a
            :class:`~mmselfsup_rot.models.heads.RotationHead`.
        angles (str | Sequence[int]): The rotation set, used to report the
            predicted angle in ``predict`` mode. Defaults to ``'four'``.
        neck (dict, optional): Neck config. Defaults to None.
        pretrained (str, optional): Checkpoint to initialise from.
        data_preprocessor (dict, optional): Preprocessor config; defaults to
            ``SelfSupDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 angles: Union[str, Sequence[int]] = 'four',
                 neck: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.angles = parse_angles(angles)
        num_classes = getattr(self.head, 'num_classes', len(self.angles))
        if num_classes != len(self.angles):
            raise ValueError(
                f'The head predicts {num_classes} rotation classes but the '
                f'rotation set {self.angles} has {len(self.angles)}; set '
                'head.num_classes to the number of angles.')
        out_indices = getattr(self.backbone, 'out_indices', None)
        in_index = getattr(self.head, 'in_index', None)
        if out_indices is not None and in_index is not None and not (
                -len(out_indices) <= in_index < len(out_indices)):
            raise ValueError(
                f'head.in_index={in_index} does not exist: the backbone '
                f'outputs {len(out_indices)} feature map(s) (out_indices='
                f'{list(out_indices)}).')

    @staticmethod
    def _stack_views(
        inputs: Union[torch.Tensor, List[torch.Tensor]]
    ) -> Tuple[torch.Tensor, int]:
        """Concatenate ``V`` views view-major into ``(V * N, C, H, W)``."""
        if isinstance(inputs, torch.Tensor):
            return inputs, 1
        return torch.cat(inputs, dim=0), len(inputs)

    @staticmethod
    def _rot_labels(data_samples: List[DataSample], num_views: int,
                    device: torch.device) -> torch.Tensor:
        """Gather ``rot_label`` view-major to match :meth:`_stack_views`."""
        if not data_samples or 'rot_label' not in data_samples[0]:
            raise KeyError(
                'RotationPred needs `rot_label` in the data samples: end the '
                'pipeline with RotationWithLabels + PackInputs('
                "algorithm_keys=['rot_label']) or use "
                'RotationDataPreprocessor.')
        labels = torch.stack([
            torch.as_tensor(s.rot_label, device=device).long().view(-1)
            for s in data_samples
        ])
        if labels.shape[1] != num_views:
            raise ValueError(f'Got {num_views} image views but '
                             f'{labels.shape[1]} rotation labels per image.')
        return labels.t().reshape(-1)

    def extract_feat(
        self, inputs: Union[torch.Tensor,
                            List[torch.Tensor]]) -> Tuple[torch.Tensor]:
        """Backbone (and neck) features of all views, view-major."""
        x, _ = self._stack_views(inputs)
        feats = self.backbone(x)
        if self.with_neck:
            feats = self.neck(feats)
        return feats

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Rotation cross-entropy (``loss``) and accuracy (``acc_rot``).

        Args:
            inputs: ``V`` views, each ``(N, C, H, W)``.
            data_samples (List[DataSample]): With ``rot_label`` each.

        Returns:
            dict[str, Tensor]: The loss components.
        """
        x, num_views = self._stack_views(inputs)
        labels = self._rot_labels(data_samples, num_views, x.device)
        feats = self.backbone(x)
        if self.with_neck:
            feats = self.neck(feats)
        return self.head.loss(feats, labels)

    def predict(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """Rotation scores and predicted angle of every view of every image.

        Args:
            inputs: ``V`` views ``(N, C, H, W)`` or one tensor.
            data_samples (List[DataSample], optional): Data samples to fill.

        Returns:
            List[DataSample]: per image, ``rot_score`` ``(V, K)``
            (softmax), ``rot_pred`` ``(V,)`` labels and ``rot_angle``
            ``(V,)`` degrees (counter-clockwise unless the data were rotated
            clockwise).
        """
        x, num_views = self._stack_views(inputs)
        scores = self.head(self.extract_feat(x)).softmax(dim=1)
        num = x.shape[0] // num_views
        scores = scores.view(num_views, num, -1).transpose(0, 1)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(num)]
        angles = torch.tensor(self.angles, device=scores.device)
        for sample, score in zip(data_samples, scores):
            pred = score.argmax(dim=1)
            sample.set_field(score, 'rot_score')
            sample.set_field(pred, 'rot_pred')
            sample.set_field(angles[pred], 'rot_angle')
        return data_samples

    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """Dispatch to ``tensor``, ``loss`` or ``predict``."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)
