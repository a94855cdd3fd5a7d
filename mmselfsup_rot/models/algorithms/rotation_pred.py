# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import inspect
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from mmselfsup_rot.utils.rotation import parse_angles
from mmselfsup_rot.utils.rotation_set import (check_rotation_set,
                                              rotation_set_mismatch)
from .base import BasePretextTask


def _fill(cfg: dict, default_type: str, **values) -> dict:
    """A copy of a module config with the ``values`` its class takes and
    the config leaves out filled in (mmpretrain's ``BaseSelfSupervisor``
    fills the preprocessor's ``type`` the same way)."""
    cfg = dict(cfg)
    kind = cfg.get('type', default_type)
    cls = MODELS.get(kind) if isinstance(kind, str) else kind
    if isinstance(cls, type):
        params = inspect.signature(cls).parameters
        for key, value in values.items():
            if key in params:
                cfg.setdefault(key, value)
    return cfg


@MODELS.register_module()
class RotationPred(BasePretextTask):
    """RotNet: learn features by predicting image rotations.

    Implementation of `Unsupervised Representation Learning by Predicting
    Image Rotations <https://arxiv.org/abs/1803.07728>`_.

    Inputs arrive as a list of ``V`` views ``(N, C, H, W)`` with
    ``rot_label`` (shape ``(V,)``) in every data sample: ``V = K`` when all
    rotations are made (the paper), ``V = 1`` for one random rotation per
    image (VISSL). The views are concatenated into one batch of ``N * V``
    images, so BatchNorm sees all rotations together as in the paper.

    The model owns the rotation set: a config states ``angles`` and
    ``clockwise`` here once. They are filled into a
    :class:`~mmselfsup_rot.models.data_preprocessors.\
RotationDataPreprocessor` and into ``head.num_classes`` where the config
    leaves them out (loader-side rotation transforms and the
    ``RotationAccuracy`` metric get them from ``share_rotation_set`` in
    :mod:`mmselfsup_rot.engine.rotation_set_config`), and a part that
    states another set is refused with one line.

    Args:
        backbone (dict): Backbone config.
        head (dict): Config of a
            :class:`~mmselfsup_rot.models.heads.RotationHead`;
            ``num_classes`` defaults to the number of angles.
        angles (str | Sequence[int]): The rotation set: label ``i`` means
            ``angles[i]`` degrees. Defaults to ``'four'``.
        clockwise (bool): Whether the angles turn clockwise (mmselfsup 1.x
            labels). Defaults to False (counter-clockwise, the paper).
        neck (dict, optional): Neck config. Defaults to None.
        pretrained (str, optional): Checkpoint to initialise from.
        data_preprocessor (dict, optional): Preprocessor config; defaults to
            ``SelfSupDataPreprocessor``. A ``RotationDataPreprocessor``
            takes the model's ``angles`` and ``clockwise`` by default.
        init_cfg (dict, optional): Initialisation config.
        online_probe (dict, optional): An ``OnlineLinearProbe`` trained on
            the class labels from the unrotated copies (angle 0) of the
            batch; see :class:`BasePretextTask`. Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 angles: Union[str, Sequence[int]] = 'four',
                 clockwise: bool = False,
                 neck: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None,
                 online_probe: Optional[dict] = None) -> None:
        angles = parse_angles(angles)
        clockwise = bool(clockwise)
        if isinstance(head, dict):
            head = _fill(head, 'RotationHead', num_classes=len(angles))
        if not isinstance(data_preprocessor, nn.Module):
            data_preprocessor = _fill(
                data_preprocessor or {},
                'SelfSupDataPreprocessor',
                angles=angles,
                clockwise=clockwise)
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
            online_probe=online_probe)
        self.angles = angles
        self.clockwise = clockwise
        check_rotation_set(self.data_preprocessor, angles, clockwise,
                           'data_preprocessor')
        num_classes = getattr(self.head, 'num_classes', len(angles))
        if num_classes != len(angles):
            raise rotation_set_mismatch(
                'angles',
                angles,
                'head',
                num_classes,
                model_note=f' ({len(angles)} classes)',
                other_key='head.num_classes')
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

    def _rot_labels(self, data_samples: List[DataSample], num_views: int,
                    device: torch.device) -> torch.Tensor:
        """Gather ``rot_label`` view-major to match :meth:`_stack_views`."""
        labels = torch.stack([
            torch.as_tensor(label).long().view(-1)
            for label in self.sample_field(
                data_samples, 'rot_label',
                'end the pipeline with RotationWithLabels + PackInputs('
                "algorithm_keys=['rot_label']) or use "
                'RotationDataPreprocessor.')
        ])
        if labels.shape[1] != num_views:
            raise ValueError(f'Got {num_views} image views but '
                             f'{labels.shape[1]} rotation labels per image.')
        if labels.device.type == 'cpu' and hasattr(self.head, 'check_labels'):
            # the loader's labels, checked while they are still on the host
            self.head.check_labels(labels)
        return labels.t().reshape(-1).to(device, non_blocking=True)

    def extract_feat(
        self, inputs: Union[torch.Tensor,
                            List[torch.Tensor]]) -> Tuple[torch.Tensor]:
        """Backbone (and neck) features of all views, view-major."""
        x, _ = self._stack_views(inputs)
        return self.backbone_features(x)[0]

    def _unrotated_rows(self, rot_labels: torch.Tensor) -> torch.Tensor:
        """Rows of the stacked batch holding the angle-0 copies."""
        if 0 not in self.angles:
            raise ValueError(f'online_probe reads the unrotated copies, but '
                             f'the rotation set {self.angles} has no 0.')
        zero = self.angles.index(0)
        return (rot_labels == zero).nonzero().view(-1)

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
        feats, probe_feats = self.backbone_features(x)
        losses = self.head.loss(feats, labels)
        if probe_feats is not None:
            losses.update(
                self.update_online_probe(probe_feats, data_samples,
                                         self._unrotated_rows(labels)))
        return losses

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
            ``(V,)``: the predicted angle in counter-clockwise degrees (the
            project's convention; a clockwise model's ``a`` is
            ``(360 - a) % 360``).
        """
        x, num_views = self._stack_views(inputs)
        feats, probe_feats = self.backbone_features(x)
        scores = self.head(feats).softmax(dim=1)
        num = x.shape[0] // num_views
        scores = scores.view(num_views, num, -1).transpose(0, 1)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(num)]
        angles = torch.tensor(self.angles, device=scores.device)
        if self.clockwise:
            angles = (360 - angles) % 360
        for sample, score in zip(data_samples, scores):
            pred = score.argmax(dim=1)
            sample.set_field(score, 'rot_score')
            sample.set_field(pred, 'rot_pred')
            sample.set_field(angles[pred], 'rot_angle')
        if probe_feats is not None:
            rows = torch.arange(x.shape[0], device=x.device)
            if 'rot_label' in data_samples[0]:
                rows = self._unrotated_rows(
                    self._rot_labels(data_samples, num_views, x.device))
            self.predict_online_probe(probe_feats, data_samples, rows)
        return data_samples
