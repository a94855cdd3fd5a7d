# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from typing import Dict, List, Optional, Tuple

import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .base import BasePretextTask


@MODELS.register_module()
class AET(BasePretextTask):
    """AET: learn features by decoding the transformation of an image.

    Implementation of `AET vs. AED: Unsupervised Representation Learning by
    Auto-Encoding Transformations rather than Data
    <https://arxiv.org/abs/1901.04596>`_ (Zhang, Qi, Wang, Luo, CVPR 2019).

    Each image arrives as two views, the original and a randomly transformed
    copy (:class:`~mmselfsup_rot.datasets.transforms.\
ProjectiveTransformSampler` or ``AffineTransformSampler``), with the
    transformation parameters in ``transform_target``. One encoder (the
    backbone, shared weights: a Siamese pair; the two views go through it as
    one batch) encodes both; the head decodes the parameters from the
    concatenated features (:class:`~mmselfsup_rot.models.heads.\
TransformDecoderHead`, mean squared error).

    An ``online_probe`` (:class:`BasePretextTask`) reads the original
    views.

    Args:
        backbone (dict): Encoder config.
        head (dict): Decoder head config.
        neck (dict, optional): Neck config. Defaults to None.
        pretrained (str, optional): Checkpoint to initialise from.
        data_preprocessor (dict, optional): Preprocessor config; defaults to
            ``SelfSupDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
        online_probe (dict, optional): ``OnlineLinearProbe`` config.
    """

    def _encode_pair(self, inputs: List[torch.Tensor]) -> Tuple:
        """Features of the original and the transformed views, and the
        probed outputs (the first ``N`` rows are the originals)."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f'{type(self).__name__} needs two views per image (original, '
                'transformed): put ProjectiveTransformSampler or '
                'AffineTransformSampler in the pipeline.')
        num = inputs[0].shape[0]
        feats, probe_feats = self.backbone_features(torch.cat(inputs, dim=0))
        orig = tuple(f[:num] for f in feats)
        trans = tuple(f[num:] for f in feats)
        return orig, trans, probe_feats

    def _targets(self, data_samples: List[DataSample],
                 device: torch.device) -> torch.Tensor:
        """The transformation parameters of every image, ``(N, P)``."""
        return torch.stack([
            torch.as_tensor(target, device=device).float()
            for target in self.sample_field(
                data_samples, 'transform_target',
                "add PackInputs(algorithm_keys=['transform_target']) after "
                'the sampler.')
        ])

    def extract_feat(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """Encoder (and neck) features of a batch of images."""
        return self.backbone_features(inputs)[0]

    def loss(self, inputs: List[torch.Tensor],
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """The decoder's loss on the transformation parameters.

        Args:
            inputs (List[Tensor]): ``[original, transformed]``, each
                ``(N, C, H, W)``.
            data_samples (List[DataSample]): With ``transform_target``.

        Returns:
            dict[str, Tensor]: The loss components of the head.
        """
        orig, trans, probe_feats = self._encode_pair(inputs)
        target = self._targets(data_samples, inputs[0].device)
        losses = self.head.loss(orig, trans, target)
        if probe_feats is not None:
            losses.update(
                self.update_online_probe(probe_feats, data_samples,
                                         self._original_rows(inputs)))
        return losses

    @staticmethod
    def _original_rows(inputs: List[torch.Tensor]) -> torch.Tensor:
        """Rows of the original views in the stacked pair."""
        return torch.arange(inputs[0].shape[0], device=inputs[0].device)

    def predict(self,
                inputs: List[torch.Tensor],
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """Predicted parameters ``pred_transform`` of every image."""
        orig, trans, probe_feats = self._encode_pair(inputs)
        pred = self.head(orig, trans)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(pred))]
        for sample, value in zip(data_samples, pred):
            sample.set_field(value, 'pred_transform')
        self.predict_online_probe(probe_feats, data_samples,
                                  self._original_rows(inputs))
        return data_samples


@MODELS.register_module()
class AVT(AET):
    """AVT: autoencoding variational transformations.

    Implementation of `AVT: Unsupervised Learning of Transformation
    Equivariant Representations by Autoencoding Variational Transformations
    <https://arxiv.org/abs/1903.10863>`_ (Qi, Zhang, Chen, Tian, ICCV 2019).

    AET's Siamese encoder, with a decoder that predicts a Gaussian (mean and
    log-variance) over the transformation parameters and is trained by its
    negative log-likelihood (:class:`~mmselfsup_rot.models.heads.\
GaussianTransformDecoderHead`), the likelihood term of AVT's lower bound
    on the mutual information between representation and transformation.
    ``predict`` also fills ``pred_transform_log_var``.
    """

    def predict(self,
                inputs: List[torch.Tensor],
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """Predicted mean and log-variance of every image's parameters."""
        orig, trans, probe_feats = self._encode_pair(inputs)
        mean, log_var = self.head.predict_gaussian(orig, trans)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(mean))]
        for sample, mu, lv in zip(data_samples, mean, log_var):
            sample.set_field(mu, 'pred_transform')
            sample.set_field(lv, 'pred_transform_log_var')
        self.predict_online_probe(probe_feats, data_samples,
                                  self._original_rows(inputs))
        return data_samples
