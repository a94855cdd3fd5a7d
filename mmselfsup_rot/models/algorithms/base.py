# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import inspect
import logging
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import print_log
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


def request_probe_stages(backbone: dict,
                         stages: Sequence[int]) -> Tuple[dict, List[int]]:
    """The backbone config with the probed stages added to its outputs.

    Args:
        backbone (dict): The algorithm's backbone config.
        stages (Sequence[int]): Output indices the online probe reads.

    Returns:
        tuple: The config asking for the union of its ``out_indices`` and
        ``stages``, and its own ``out_indices`` (what the neck and head
        keep receiving).
    """
    if not isinstance(backbone, dict) or 'type' not in backbone:
        raise TypeError('online_probe needs the backbone as a config dict '
                        'with a type.')
    own = backbone.get('out_indices', inspect.Parameter.empty)
    if own is inspect.Parameter.empty:
        cls = backbone['type']
        cls = MODELS.get(cls) if isinstance(cls, str) else cls
        param = inspect.signature(cls).parameters.get('out_indices')
        own = None if param is None else param.default
    if own is None or own is inspect.Parameter.empty:
        own = [-1]  # the last output, these backbones' default
    own = [own] if isinstance(own, int) else [int(i) for i in own]
    requested = own + [int(s) for s in stages if s not in own]
    if all(i >= 0 for i in requested):
        # ascending: the order in which the backbones return their outputs
        requested = sorted(set(requested))
    return dict(backbone, out_indices=requested), own


class BasePretextTask(BaseSelfSupervisor):
    """A self-supervisor whose pretext task is also predicted and evaluated.

    mmpretrain's :class:`BaseSelfSupervisor` has the ``tensor`` and ``loss``
    modes only; pretext tasks such as rotation prediction (``RotationPred``)
    or transformation decoding (``AET``) are measured on held-out data, so
    ``forward`` also dispatches ``predict`` (the mode of ``val_step`` and
    ``test_step``) to :meth:`predict`.

    It can carry an online probe
    (:class:`~mmselfsup_rot.models.heads.OnlineLinearProbe`): linear
    classifiers of chosen backbone stages, trained on the class labels in
    the pretraining step from the features the backbone computes anyway,
    without changing the pretraining. The backbone is then asked for the
    probed stages too; the neck and head keep receiving exactly the
    outputs of the config's own ``out_indices``.

    Args:
        backbone (dict): Backbone config.
        online_probe (dict, optional): ``OnlineLinearProbe`` config.
            Defaults to None (no probe).
        **kwargs: The other arguments of :class:`BaseSelfSupervisor`.
    """

    def __init__(self,
                 backbone: dict,
                 online_probe: Optional[dict] = None,
                 **kwargs) -> None:
        own_outputs = None
        if online_probe is not None:
            backbone, own_outputs = request_probe_stages(
                backbone, online_probe.get('stages', ()))
        super().__init__(backbone=backbone, **kwargs)
        self.online_probe = None
        self._labels_missing_warned = False
        if online_probe is not None:
            # built after the backbone and head, and drawing nothing from
            # the global RNG: they get the weights they get without it
            self.online_probe = MODELS.build(online_probe)
            self._plan_probe_outputs(own_outputs)

    def _plan_probe_outputs(self, own_outputs: List[int]) -> None:
        """Which backbone outputs go to the head and which to the probe."""
        count = getattr(self.backbone, 'num_outputs', None) or getattr(
            self.backbone, 'num_stages', 0)

        def normal(index: int) -> int:
            return index + count if index < 0 else index

        order = sorted({normal(i) for i in self.backbone.out_indices})
        missing = [s for s in self.online_probe.stages if s not in order]
        if missing:
            raise ValueError(f'online_probe.stages {missing} are not outputs '
                             f'of the backbone (it has {count}).')
        self._probe_outputs = len(order)
        self._head_picks = [order.index(normal(i)) for i in own_outputs]
        self._probe_picks = [order.index(s) for s in self.online_probe.stages]
        # the probe syncs its own gradients; DDP must not reduce or
        # broadcast its tensors
        self._ddp_params_and_buffers_to_ignore = [
            f'online_probe.{name}'
            for name, _ in (list(self.online_probe.named_parameters()) +
                            list(self.online_probe.named_buffers()))
        ]

    def backbone_features(
            self, x: torch.Tensor) -> Tuple[Any, Optional[List[torch.Tensor]]]:
        """Backbone (and neck) features, and the probed stages' outputs.

        Args:
            x (Tensor): A batch of images.

        Returns:
            tuple: The features of the config's ``out_indices`` (through the
            neck if any) and the list of probed outputs (None without a
            probe).
        """
        feats = self.backbone(x)
        probe_feats = None
        if self.online_probe is not None:
            if len(feats) != self._probe_outputs:
                raise ValueError(
                    f'The backbone returned {len(feats)} outputs for '
                    f'{self._probe_outputs} requested out_indices; the '
                    'online probe needs one output per index in ascending '
                    'order.')
            probe_feats = [feats[i] for i in self._probe_picks]
            feats = tuple(feats[i] for i in self._head_picks)
        if self.with_neck:
            feats = self.neck(feats)
        return feats, probe_feats

    def _class_labels(self, data_samples: Optional[List[DataSample]],
                      device: torch.device) -> Optional[torch.Tensor]:
        """``(N, )`` class labels, or None (warned once) without them."""
        if not data_samples or any('gt_label' not in s for s in data_samples):
            if not self._labels_missing_warned:
                self._labels_missing_warned = True
                print_log(
                    'online_probe: the data samples carry no class labels '
                    '(gt_label); the online probe is off for this run.',
                    logger='current',
                    level=logging.WARNING)
            return None
        return torch.stack([
            torch.as_tensor(s.gt_label, device=device).view(-1)[0].long()
            for s in data_samples
        ])

    def update_online_probe(self, probe_feats: Optional[List[torch.Tensor]],
                            data_samples: List[DataSample],
                            rows: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Train the online probe on the unrotated images of the batch.

        Args:
            probe_feats (List[Tensor], optional): From
                :meth:`backbone_features`.
            data_samples (List[DataSample]): The ``N`` images' samples.
            rows (Tensor): Rows of the stacked batch that hold unrotated
                images; row ``r`` is image ``r % N``.

        Returns:
            dict[str, Tensor]: Logged values of the probe (nothing to
            optimise), empty without a probe or without labels.
        """
        if probe_feats is None or not self.training:
            return {}
        labels = self._class_labels(data_samples, rows.device)
        if labels is None:
            return {}
        return self.online_probe.update([f[rows] for f in probe_feats],
                                        labels[rows % len(labels)])

    def predict_online_probe(self, probe_feats: Optional[List[torch.Tensor]],
                             data_samples: List[DataSample],
                             rows: torch.Tensor) -> None:
        """Store ``probe_scores`` ``(num_stages, num_classes)`` (softmax)
        and ``probe_stage_names`` in the samples of the unrotated images.

        Args: as :meth:`update_online_probe`.
        """
        if probe_feats is None or self._class_labels(data_samples,
                                                     rows.device) is None:
            return
        scores = self.online_probe([f[rows] for f in probe_feats])
        names = list(self.online_probe.stage_names)
        for row, score in zip(rows.tolist(), scores.softmax(dim=-1)):
            sample = data_samples[row % len(data_samples)]
            sample.set_field(score, 'probe_scores')
            sample.set_field(names, 'probe_stage_names', field_type='metainfo')

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
