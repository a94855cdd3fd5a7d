# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import os.path as osp
from typing import List, Optional, Tuple

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import BaseLoop
from mmpretrain.registry import HOOKS

from mmselfsup_rot.datasets.collate import SizeCheckedCollate
from mmselfsup_rot.datasets.dataset_wrappers import iter_datasets
from mmselfsup_rot.datasets.transforms.loading import RobustLoadImageFromFile
from mmselfsup_rot.datasets.transforms.min_size import resolve_min_sizes


def robust_loaders(dataset) -> List[RobustLoadImageFromFile]:
    """The :class:`RobustLoadImageFromFile` transforms of a dataset."""
    found = []
    for data in iter_datasets(dataset):
        pipeline = getattr(data, 'pipeline', None)
        for transform in getattr(pipeline, 'transforms', None) or []:
            if isinstance(transform, RobustLoadImageFromFile):
                found.append(transform)
    return found


@HOOKS.register_module()
class BadImageHook(Hook):
    """Count the bad (unreadable or too small) training images, report them
    after each epoch and stop the run when too many are bad.

    It points the training pipeline's
    :class:`~mmselfsup_rot.datasets.transforms.RobustLoadImageFromFile` at
    a log file in the work directory; every dataloader worker appends the
    files it skipped to it. The hook counts the distinct files logged in
    the current epoch, logs them at the end of the epoch and raises once
    their fraction of the dataset exceeds ``max_bad_fraction``.

    Before the training, validation and test loops start, it also sets
    the ``min_size='auto'`` of their pipelines' loaders to what the
    pipeline's crops need (images smaller than that are bad files, or
    padded/resized by ``min_size_policy``), and wraps their collate
    functions in
    :class:`~mmselfsup_rot.datasets.collate.SizeCheckedCollate`, so that
    a batch of images of different sizes fails with one line naming the
    files.

    Args:
        max_bad_fraction (float): Largest tolerated fraction of bad images
            per epoch. Defaults to 0.01.
        interval (int): Also check every ``interval`` iterations, so that a
            mostly broken dataset stops the run early. Defaults to 50.
        log_name (str): File name of the log in the work directory.
            Defaults to ``'bad_images.txt'``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 max_bad_fraction: float = 0.01,
                 interval: int = 50,
                 log_name: str = 'bad_images.txt') -> None:
        if not 0 <= max_bad_fraction <= 1:
            raise ValueError('max_bad_fraction must be in [0, 1], got '
                             f'{max_bad_fraction}.')
        self.max_bad_fraction = max_bad_fraction
        self.interval = interval
        self.log_name = log_name
        self.log_file: Optional[str] = None
        self._epoch_start = 0
        self._num_samples = 0

    def before_run(self, runner) -> None:
        # Only training runs have a built train loop (test runs call
        # before_run too, and must not build one).
        loop = getattr(runner, '_train_loop', None)
        if not isinstance(loop, BaseLoop):
            return
        loader = loop.dataloader
        transforms = robust_loaders(loader.dataset)
        if not transforms:
            print_log(
                'BadImageHook: the training pipeline has no '
                'RobustLoadImageFromFile; unreadable images are not '
                'counted.',
                logger='current')
            return
        self.log_file = osp.join(runner.work_dir, self.log_name)
        for transform in transforms:
            transform.bad_image_log = self.log_file
        self._num_samples = len(loader.dataset)

    def before_train(self, runner) -> None:
        self.prepare_dataloader(runner.train_loop.dataloader)

    def before_val(self, runner) -> None:
        self.prepare_dataloader(runner.val_loop.dataloader)

    def before_test(self, runner) -> None:
        self.prepare_dataloader(runner.test_loop.dataloader)

    @staticmethod
    def prepare_dataloader(loader) -> None:
        """Resolve the loaders' ``min_size='auto'`` and check the batch
        sizes of a dataloader (before its workers start).

        Args:
            loader: A ``torch.utils.data.DataLoader``.
        """
        for data in iter_datasets(loader.dataset):
            pipeline = getattr(data, 'pipeline', None)
            if pipeline is not None:
                resolve_min_sizes(pipeline)
        collate_fn = getattr(loader, 'collate_fn', None)
        if collate_fn is not None and not isinstance(collate_fn,
                                                     SizeCheckedCollate):
            loader.collate_fn = SizeCheckedCollate(collate_fn)

    def before_train_epoch(self, runner) -> None:
        if self.log_file is not None:
            self._epoch_start = self._log_size()

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if self.log_file is not None and self.every_n_train_iters(
                runner, self.interval):
            self._check(runner, self._read_epoch())

    def after_train_epoch(self, runner) -> None:
        if self.log_file is None:
            return
        bad = self._read_epoch()
        if bad:
            print_log(
                f'Epoch {runner.epoch + 1}: skipped {len(bad)} bad '
                f'image(s) of {self._num_samples} (unreadable or too '
                f'small; listed in {self.log_file}).',
                logger='current')
        self._check(runner, bad)

    def _log_size(self) -> int:
        return osp.getsize(self.log_file) if osp.exists(self.log_file) else 0

    def _read_epoch(self) -> List[Tuple[str, str]]:
        """Distinct ``(path, reason)`` logged since the epoch began."""
        if not osp.exists(self.log_file):
            return []
        with open(self.log_file, 'rb') as f:
            f.seek(self._epoch_start)
            text = f.read().decode('utf-8', 'replace')
        bad = {}
        for line in text.splitlines():
            path, _, reason = line.partition('\t')
            bad.setdefault(path, reason)
        return sorted(bad.items())

    def _check(self, runner, bad: List[Tuple[str, str]]) -> None:
        limit = self.max_bad_fraction * self._num_samples
        if len(bad) <= limit:
            return
        shown = '; '.join(f'{p} ({r})' for p, r in bad[:3])
        raise RuntimeError(
            f'{len(bad)} of {self._num_samples} training images could not '
            f'be used in epoch {runner.epoch + 1}, more than '
            f'max_bad_fraction={self.max_bad_fraction}: {shown}. Fix or '
            f'remove them (full list: {self.log_file}) or raise '
            'BadImageHook.max_bad_fraction.')
