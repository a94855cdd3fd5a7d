# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .rotation_pred import RotationPred


def load_rotation_probs(path: str, num_angles: int) -> np.ndarray:
    """Read per-image rotation probabilities for the PU weights.

    Args:
        path (str): ``.npy`` array of shape ``(N, K)`` written by
            ``tools/analysis/compute_rotation_probs.py`` (row = dataset
            index ``sample_idx``, column = rotation label), or the official
            Feature Decoupling text file (``prob.dat``, ``N * K`` lines in
            the same order).
        num_angles (int): ``K``, the number of rotations.

    Returns:
        np.ndarray: ``(N, K)`` float32 probabilities.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Rotation probabilities not found: {path}; compute them with '
            'tools/analysis/compute_rotation_probs.py from a RotationPred '
            'checkpoint.')
    if path.endswith('.npy'):
        probs = np.load(path, allow_pickle=False)
    else:
        probs = np.loadtxt(path, dtype=np.float64, ndmin=1)
        if probs.ndim == 1 and probs.size % num_angles == 0:
            probs = probs.reshape(-1, num_angles)
    if probs.ndim != 2 or probs.shape[1] != num_angles:
        raise ValueError(f'{path} holds an array of shape {probs.shape}; '
                         f'expected (num_images, {num_angles}).')
    if not np.all((probs >= 0) & (probs <= 1)):
        raise ValueError(f'{path} holds values outside [0, 1]; expected '
                         'probabilities.')
    return probs.astype(np.float32)


def pu_weights(probs: torch.Tensor,
               rot_labels: torch.Tensor,
               gamma: float = 2.0) -> torch.Tensor:
    """Positive-unlabelled weights of the rotation loss.

    The unrotated copy is a labelled positive (weight 1); a rotated copy
    that a pretrained RotNet takes for an unrotated image (probability
    ``p`` of label 0) may be a positive among the unlabelled, so its weight
    is ``1 - p ** gamma``.

    Args:
        probs (Tensor): ``(..., K)`` probability of label 0 for each
            rotation of each image.
        rot_labels (Tensor): ``(...)`` rotation labels of the copies.
        gamma (float): Exponent. Defaults to 2.

    Returns:
        Tensor: Weights with the shape of ``rot_labels``.
    """
    p = probs.gather(-1, rot_labels.unsqueeze(-1)).squeeze(-1)
    return torch.where(rot_labels == 0, torch.ones_like(p), 1 - p**gamma)


def invariance_loss(feats: torch.Tensor) -> torch.Tensor:
    """Mean squared distance of each copy's feature to the mean feature.

    Args:
        feats (Tensor): ``(V, N, C)`` invariant features of ``V`` rotated
            copies of ``N`` images.

    Returns:
        Tensor: The loss; the mean is a fixed target (no gradient), as in
        the official code.
    """
    mean = feats.mean(dim=0, keepdim=True).detach()
    return F.mse_loss(feats, mean.expand_as(feats))


@MODELS.register_module()
class FeatureDecoupling(RotationPred):
    """Feature Decoupling: rotation-related and rotation-invariant parts.

    Implementation of `Self-Supervised Representation Learning by Rotation
    Feature Decoupling <https://openaccess.thecvf.com/content_CVPR_2019/
    html/Feng_Self-Supervised_Representation_Learning_by_Rotation_Feature_
    Decoupling_CVPR_2019_paper.html>`_ (Feng, Xu, Tao, CVPR 2019).

    The backbone feature of every rotated copy is split by the neck
    (:class:`~mmselfsup_rot.models.necks.FeatureSplitNeck`) into

    - a rotation part, classified by ``head`` (a
      :class:`~mmselfsup_rot.models.heads.RotationHead` with ``in_index=0``)
      with a cross-entropy re-weighted by :func:`pu_weights` from epoch
      ``pu_start_epoch`` on;
    - an invariant part: an MSE term (:func:`invariance_loss`) pulls each
      copy towards the mean over the copies; the mean is embedded by
      ``nce_head`` (:class:`~mmselfsup_rot.models.heads.NCEHead`) and
      discriminated from other images against ``memory_bank``
      (:class:`~mmselfsup_rot.models.memories.InstanceMemoryBank`), which
      is then updated.

    The data samples need ``sample_idx`` (in ``PackInputs``' default meta
    keys) and ``rot_label`` (from ``RotationDataPreprocessor``).

    Args:
        backbone (dict): Backbone config.
        neck (dict): ``FeatureSplitNeck`` config (rotation part first).
        head (dict): Rotation classifier config.
        nce_head (dict): ``NCEHead`` config.
        memory_bank (dict): ``InstanceMemoryBank`` config.
        angles (str | Sequence[int]): Rotation set. Defaults to ``'four'``.
        clockwise (bool): Whether the angles turn clockwise. Defaults to
            False.
        pu_probs (str, optional): File of per-image rotation probabilities
            (see :func:`load_rotation_probs`). Without it the rotation loss
            is never re-weighted. Defaults to None.
        pu_start_epoch (int): First epoch (0-based) of the re-weighting.
            Defaults to 210 (official).
        pu_gamma (float): Exponent of the PU weights. Defaults to 2.
        loss_weights (dict): Weights of ``cls``, ``mse`` and ``nce``.
            Defaults to 1 each (official).
        pretrained (str, optional): Checkpoint to initialise from.
        data_preprocessor (dict, optional): Preprocessor config.
        init_cfg (dict, optional): Initialisation config.
        online_probe (dict, optional): An ``OnlineLinearProbe`` on the
            unrotated copies, as in :class:`RotationPred`.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 nce_head: dict,
                 memory_bank: dict,
                 angles: Union[str, Sequence[int]] = 'four',
                 clockwise: bool = False,
                 pu_probs: Optional[str] = None,
                 pu_start_epoch: int = 210,
                 pu_gamma: float = 2.0,
                 loss_weights: Optional[Dict[str, float]] = None,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 online_probe: Optional[dict] = None) -> None:
        super().__init__(
            backbone=backbone,
            head=head,
            angles=angles,
            clockwise=clockwise,
            neck=neck,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
            online_probe=online_probe)
        self.nce_head = MODELS.build(nce_head)
        self.memory_bank = MODELS.build(memory_bank)
        weights = dict(cls=1.0, mse=1.0, nce=1.0)
        unknown = set(loss_weights or {}) - set(weights)
        if unknown:
            raise ValueError(f'Unknown loss_weights keys {sorted(unknown)}; '
                             f'expected some of {sorted(weights)}.')
        weights.update(loss_weights or {})
        self.loss_weights = weights
        self.pu_start_epoch = pu_start_epoch
        self.pu_gamma = pu_gamma
        probs = None
        if pu_probs is not None:
            probs = torch.from_numpy(
                load_rotation_probs(pu_probs, len(self.angles)))
        # loaded from its file, not saved in checkpoints
        self.register_buffer('pu_probs', probs, persistent=False)

    def _sample_indices(self, data_samples: List[DataSample],
                        device: torch.device) -> torch.Tensor:
        """Dataset indices of the images (memory bank slots)."""
        indices = self.sample_field(
            data_samples, 'sample_idx',
            'keep it in the meta_keys of PackInputs (it is there by '
            'default).')
        return torch.tensor([int(i) for i in indices], device=device)

    def pu_active(self) -> bool:
        """Whether the current epoch re-weights the rotation loss."""
        if self.pu_probs is None:
            return False
        epoch = MessageHub.get_current_instance().get_info('epoch', 0)
        return epoch >= self.pu_start_epoch

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Weighted rotation, invariance (MSE) and NCE losses.

        Args:
            inputs: ``V`` rotated views, each ``(N, C, H, W)``.
            data_samples (List[DataSample]): With ``rot_label`` and
                ``sample_idx``.

        Returns:
            dict[str, Tensor]: ``loss_cls``, ``loss_mse``, ``loss_nce`` and
            the logged ``acc_rot`` and ``pu_weight`` (mean weight).
        """
        x, num_views = self._stack_views(inputs)
        labels = self._rot_labels(data_samples, num_views, x.device)
        indices = self._sample_indices(data_samples, x.device)
        (rot_feats, inv_feats), probe_feats = self.backbone_features(x)

        weights = torch.ones_like(labels, dtype=rot_feats.dtype)
        if self.pu_active():
            if int(indices.max()) >= len(self.pu_probs):
                raise ValueError(
                    f'sample_idx {int(indices.max())} has no rotation '
                    f'probabilities (the file covers {len(self.pu_probs)} '
                    'images); compute them on the training set.')
            probs = self.pu_probs[indices]  # (N, K)
            weights = pu_weights(
                probs.expand(num_views, -1, -1), labels.view(num_views, -1),
                self.pu_gamma).reshape(-1)
        rotation = self.head.loss(rot_feats, labels, weight=weights)

        inv_feats = inv_feats.view(num_views, len(indices), -1)
        loss_mse = invariance_loss(inv_feats)
        loss_nce, embeds = self.nce_head.loss(
            inv_feats.mean(dim=0), indices, self.memory_bank)
        self.memory_bank.update(embeds, indices)

        losses = dict(
            loss_cls=rotation['loss'] * self.loss_weights['cls'],
            loss_mse=loss_mse * self.loss_weights['mse'],
            loss_nce=loss_nce * self.loss_weights['nce'],
            acc_rot=rotation['acc_rot'],
            pu_weight=weights.mean().detach())
        if probe_feats is not None:
            losses.update(
                self.update_online_probe(probe_feats, data_samples,
                                         self._unrotated_rows(labels)))
        return losses
