# Copyright (c) mmselfsup_rot contributors. All rights reserved.
import glob
import logging
import os
import os.path as osp
import re
import zipfile
from typing import Optional

from mmengine.dist import barrier, is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

LAST_CHECKPOINT = 'last_checkpoint'


def _fsync_dir(path: str) -> None:
    """Make a rename in ``path`` durable (no-op where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_atomically(tmp_path: str, path: str) -> None:
    """Flush ``tmp_path`` to disk and rename it to ``path`` in one step:
    readers see either the old file or the complete new one."""
    with open(tmp_path, 'rb+') as f:
        os.fsync(f.fileno())
    os.replace(tmp_path, path)
    _fsync_dir(osp.dirname(osp.abspath(path)))


def write_text_atomically(path: str, text: str) -> None:
    """Write a small text file through a temporary file and a rename."""
    tmp_path = osp.join(
        osp.dirname(osp.abspath(path)), f'.{osp.basename(path)}.tmp')
    with open(tmp_path, 'w') as f:
        f.write(text)
    replace_atomically(tmp_path, path)


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` file.

    torch saves a zip archive whose directory is written last, so a file
    cut short by a kill has no readable directory; this check reads only
    that directory, not the weights.
    """
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return bool(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` should use in ``work_dir``.

    The one named by ``last_checkpoint`` if it is complete, else the
    complete ``epoch_N.pth`` / ``iter_N.pth`` with the largest ``N`` next
    to it, else None.
    """
    record = osp.join(work_dir, LAST_CHECKPOINT)
    named = None
    if osp.isfile(record):
        with open(record) as f:
            named = f.read().strip() or None
    if named and is_complete_checkpoint(named):
        return named
    folder = osp.dirname(named) if named else work_dir
    steps = []
    for path in glob.glob(osp.join(folder, '*.pth')):
        match = re.fullmatch(r'(epoch|iter)_(\d+)\.pth', osp.basename(path))
        if match:
            steps.append((int(match.group(2)), path))
    for _, path in sorted(steps, reverse=True):
        if is_complete_checkpoint(path):
            return path
    return None


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose checkpoints survive a kill at any moment.

    mmengine writes ``epoch_N.pth`` in place, deletes the oldest checkpoint
    *before* writing the new one and rewrites ``last_checkpoint`` in place,
    so a process killed at the wrong moment can leave a truncated latest
    checkpoint, or a ``last_checkpoint`` naming a deleted or empty file,
    and ``--resume`` then fails. This hook

    - writes each checkpoint to a hidden temporary file in the same folder
      and renames it into place (``os.replace`` is atomic);
    - updates ``last_checkpoint`` the same way, after the checkpoint is
      complete;
    - deletes outdated checkpoints only after that (so up to
      ``max_keep_ckpts + 1`` files exist for a moment);
    - before the run, checks the checkpoint that ``last_checkpoint`` names
      and, if it is missing or truncated (e.g. written by a plain
      ``CheckpointHook``), points it at the newest complete one.

    Remote back-ends (``backend_args`` for S3 etc.) keep mmengine's
    behaviour. Takes the arguments of mmengine's ``CheckpointHook``.
    """

    def before_run(self, runner) -> None:
        super().before_run(runner)
        record = osp.join(runner.work_dir, LAST_CHECKPOINT)
        if is_main_process() and osp.isfile(record):
            with open(record) as f:
                named = f.read().strip()
            usable = latest_complete_checkpoint(runner.work_dir)
            if usable != named:
                if usable is None:
                    os.remove(record)
                else:
                    write_text_atomically(record, usable)
                print_log(
                    f'{record} named an incomplete or missing checkpoint '
                    f'({named or "empty"}); resuming ' +
                    (f'from {usable} instead.' if usable else
                     'is impossible, training starts from scratch.'),
                    logger='current',
                    level=logging.WARNING)
        barrier()  # other ranks read last_checkpoint after the repair

    def _is_local(self) -> bool:
        return self.file_client_args is None and isinstance(
            getattr(self, 'file_backend', None), LocalBackend)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        if not self._is_local():
            super()._save_checkpoint_with_step(runner, step, meta)
            return
        stale = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        tmp_name = f'.{filename}.tmp'
        runner.save_checkpoint(
            self.out_dir,
            tmp_name,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        replace_atomically(osp.join(self.out_dir, tmp_name), self.last_ckpt)
        write_text_atomically(
            osp.join(runner.work_dir, LAST_CHECKPOINT), self.last_ckpt)
        if stale is not None and stale != step:
            old = osp.join(self.out_dir, self.filename_tmpl.format(stale))
            if osp.isfile(old):
                os.remove(old)
