# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import copy
from typing import List, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class KPerClassDataset:
    """Keep the first ``num_per_class`` images of every class.

    The semi-supervised CIFAR-10 protocol of the RotNet paper trains on the
    first K labelled images per class (K in {20, 100, 400, 1000, 5000}), in
    the order of the dataset's files. The wrapped dataset keeps that order;
    the selected images keep their original relative order.

    Args:
        dataset (BaseDataset | dict): The dataset (or its config) to subset;
            it must have ``gt_label`` annotations.
        num_per_class (int): K, the images kept per class.
        lazy_init (bool): Defer loading the annotations until first use.
            Defaults to False.

    Raises:
        ValueError: If a class has fewer than K images.
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 num_per_class: int,
                 lazy_init: bool = False) -> None:
        if int(num_per_class) < 1:
            raise ValueError('num_per_class must be a positive integer, got '
                             f'{num_per_class!r}.')
        if isinstance(dataset, dict):
            self.dataset = DATASETS.build(dataset)
        elif isinstance(dataset, BaseDataset):
            self.dataset = dataset
        else:
            raise TypeError('KPerClassDataset wraps a dataset or a dataset '
                            f'config, got {type(dataset).__name__}.')
        self.num_per_class = int(num_per_class)
        self._metainfo = getattr(self.dataset, 'metainfo', {})
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """A copy of the wrapped dataset's meta information."""
        return copy.deepcopy(self._metainfo)

    @staticmethod
    def first_k_indices(labels: np.ndarray, k: int) -> List[int]:
        """Indices of the first ``k`` samples of every label, in order.

        Args:
            labels (np.ndarray): ``(N, )`` integer labels.
            k (int): Samples to keep per label.

        Returns:
            list[int]: Sorted indices into ``labels``.
        """
        labels = np.asarray(labels)
        kept = []
        counts = {}
        short = []
        for cls in np.unique(labels):
            idx = np.flatnonzero(labels == cls)
            counts[int(cls)] = len(idx)
            if len(idx) < k:
                short.append(int(cls))
            kept.append(idx[:k])
        if short:
            raise ValueError(
                f'KPerClassDataset: classes {short} have fewer than {k} '
                f'images (counts: {counts}).')
        return sorted(int(i) for i in np.concatenate(kept))

    def full_init(self) -> None:
        """Load the wrapped dataset and keep the first K of every class."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        labels = self.dataset.get_gt_labels()
        self._ori_indices = self.first_k_indices(labels, self.num_per_class)
        self.dataset = self.dataset.get_subset(self._ori_indices)
        self._fully_initialized = True

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The annotation of the ``idx``-th kept sample."""
        return self.dataset.get_data_info(idx)

    @force_full_init
    def get_cat_ids(self, idx: int) -> List[int]:
        """The category ids of the ``idx``-th kept sample."""
        return self.dataset.get_cat_ids(idx)

    @force_full_init
    def get_gt_labels(self) -> np.ndarray:
        """The labels of all kept samples."""
        return self.dataset.get_gt_labels()

    @force_full_init
    def __len__(self) -> int:
        return len(self.dataset)

    @force_full_init
    def __getitem__(self, idx: int) -> dict:
        return self.dataset[idx]
