# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""What the sections of the GPU check share: the checkout's paths, the
section's time budget, subprocesses under that budget, the generated
ImageNet miniature and results handed from one section to the next."""
import math
import os
import os.path as osp
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

#: The pretraining config the check trains, tests and times.
MAIN_CFG = osp.join('configs',
                    'rotation-pred_resnet50_8xb16-steplr-70e_in1k.py')
#: The ImageNet miniature: 4 classes x 200 train images (50 steps of 16
#: per epoch) of 384 px, about ImageNet's mean pixel count per image, with
#: pixel noise that makes the JPEGs about ImageNet's mean file size
#: (~110 KB) and decoding about as costly.
IMAGENET = dict(
    num_classes=4,
    train_per_class=200,
    val_per_class=16,
    size=384,
    seed=0,
    noise=24.0)
BATCH_SIZE = 16


@dataclass(frozen=True)
class Scale:
    """How big the runs of the train, test and transfer sections are.

    The GPU check's scale is the default; :data:`CPU_REHEARSAL` runs the
    same command lines on a few tiny images on the CPU (the offline node
    rehearsal of tools/verify_offline_bundle.sh).

    Args:
        imagenet (dict): ``make_imagenet`` arguments of the miniature.
        batch_size (int): Pretraining batch size.
        train_epochs (int): Pretraining epochs.
        transfer_iters (int): Fine-tuning iterations of each transfer.
        voc_size (tuple): Width and height of the VOC miniature's images.
        train_options (tuple): Extra ``--cfg-options`` of tools/train.py.
        test_options (tuple): Extra ``--cfg-options`` of tools/test.py.
        det_options (tuple): Extra ``--cfg-options`` of the detection
            transfer.
        seg_options (tuple): Extra ``--cfg-options`` of the segmentation
            transfer.
        on_cpu (bool): The runs are meant to use the CPU (a tool saying
            so is not a failure; the transfers need mmcv's compiled ops,
            not CUDA ones, and are skipped without them).
    """
    imagenet: dict = field(default_factory=lambda: dict(IMAGENET))
    batch_size: int = BATCH_SIZE
    train_epochs: int = 4  # x 50 steps of 16 images = 200 iterations
    transfer_iters: int = 20
    voc_size: tuple = (500, 375)  # VOC's typical image size
    train_options: tuple = ()
    test_options: tuple = ()
    det_options: tuple = ()
    seg_options: tuple = ()
    on_cpu: bool = False

    def train_iters(self) -> int:
        """Pretraining iterations: epochs x steps per epoch."""
        per_epoch = self.imagenet['num_classes'] * self.imagenet[
            'train_per_class'] // self.batch_size
        return self.train_epochs * per_epoch


def _loaders(*keys: str) -> tuple:
    return tuple(f'{loader}.{key}'
                 for loader in ('val_dataloader', 'test_dataloader')
                 for key in keys)


#: The GPU check's runs.
GPU_SCALE = Scale()
#: Seconds-long CPU runs of the same command lines: 16 images of 48 px
#: (one batch of the recipe's loader; batch 4, 1 epoch = 4 iterations),
#: 2 transfer iterations on 80 x 64 VOC images with fewer proposals (the
#: settings of the project's CPU tests of the transfers). Too few steps
#: to ask for a falling loss.
CPU_REHEARSAL = Scale(
    imagenet=dict(
        num_classes=4, train_per_class=4, val_per_class=1, size=48, seed=0),
    batch_size=4,
    train_epochs=1,
    transfer_iters=2,
    voc_size=(80, 64),
    train_options=('train_dataloader.batch_size=4',
                   'train_dataloader.num_workers=0',
                   'train_dataloader.dataset.pipeline.1.scale=32'),
    test_options=('test_dataloader.num_workers=0',
                  'test_dataloader.dataset.pipeline.1.scale=40',
                  'test_dataloader.dataset.pipeline.2.crop_size=32'),
    det_options=('train_dataloader.batch_size=1',
                 'default_hooks.logger.interval=1',
                 'train_dataloader.num_workers=0',
                 'model.train_cfg.rpn_proposal.max_per_img=50',
                 'model.train_cfg.rcnn.sampler.num=16',
                 'model.test_cfg.rpn.max_per_img=20',
                 'model.test_cfg.rcnn.score_thr=0.0') +
    tuple(f'train_dataloader.dataset.datasets.{i}.pipeline.2.scales='
          '[(96,64),(112,80)]' for i in range(2)) +
    _loaders('num_workers=0', 'dataset.pipeline.1.scale=(96,64)'),
    seg_options=('train_dataloader.batch_size=1',
                 'default_hooks.logger.interval=1',
                 'train_dataloader.num_workers=0',
                 'model.data_preprocessor.size=(64,64)') +
    tuple(
        f'train_dataloader.dataset.datasets.{i}.{key}' for i in range(2)
        for key in ('pipeline.2.scale=(96,64)', 'pipeline.3.crop_size=(64,64)',
                    'pipeline.6.size=(64,64)')) +
    _loaders('num_workers=0', 'dataset.pipeline.1.scale=(96,64)'),
    on_cpu=True)


class SkipCheck(Exception):
    """A section's precondition is missing: the check is skipped."""


class BudgetExceeded(Exception):
    """A section ran out of its time budget."""


@dataclass
class Outcome:
    """What a section measured.

    Args:
        summary (str): One line for the report's table.
        figures (dict): Measured values (JSON-serialisable).
        targets (list): Target records (``report.make_target``).
        failures (list): Reasons the section failed (empty: it passed).
        table (dict, optional): ``columns`` + ``rows`` to print.
    """
    summary: str
    figures: dict = field(default_factory=dict)
    targets: list = field(default_factory=list)
    failures: List[str] = field(default_factory=list)
    table: Optional[dict] = None


@dataclass
class Process:
    """A finished subprocess: exit code, combined output and its log."""
    returncode: int
    output: str
    log: str
    wall_s: float

    def last_error(self) -> str:
        """The last non-empty line that reads like an error, else the last
        non-empty line."""
        lines = [ln.strip() for ln in self.output.splitlines() if ln.strip()]
        for line in reversed(lines):
            if 'Error' in line or line.startswith('error'):
                return line[:300]
        return lines[-1][:300] if lines else '(no output)'


class Context:
    """The state the sections of one check share.

    Args:
        repo (str): Root of the checkout (configs/, tools/, benchmarks/).
        out_dir (str): Where the report and the logs go.
        work_dir (str): Where miniatures and training runs go.
        scale (Scale): How big the runs are (default: the GPU check's).
    """

    def __init__(self,
                 repo: str,
                 out_dir: str,
                 work_dir: str,
                 scale: Scale = GPU_SCALE) -> None:
        self.repo = repo
        self.scale = scale
        self.out_dir = out_dir
        self.work_dir = work_dir
        self.shared: Dict[str, object] = {}
        self.section = ''
        self.deadline = math.inf
        self._imagenet: Optional[str] = None

    # -- time ------------------------------------------------------------
    def start_section(self, name: str, budget_s: float) -> None:
        self.section = name
        self.deadline = time.monotonic() + budget_s

    def remaining(self) -> float:
        """Seconds left in the current section's budget."""
        return self.deadline - time.monotonic()

    def check_budget(self, before: str) -> None:
        """Raise :class:`BudgetExceeded` if the budget is spent."""
        if self.remaining() <= 0:
            raise BudgetExceeded(f'time budget spent before {before}')

    # -- files -----------------------------------------------------------
    def path(self, *parts: str) -> str:
        """A path inside the checkout; it must exist."""
        path = osp.join(self.repo, *parts)
        if not osp.exists(path):
            raise FileNotFoundError(f'{path} is missing from the checkout '
                                    f'{self.repo}')
        return path

    def work(self, *parts: str) -> str:
        """A fresh path in the work directory of the current section."""
        path = osp.join(self.work_dir, self.section, *parts)
        os.makedirs(osp.dirname(path), exist_ok=True)
        return path

    def imagenet(self) -> str:
        """The ImageNet-layout miniature (written once per check)."""
        if self._imagenet is None:
            from mmselfsup_rot.datasets.miniature import make_imagenet
            start = time.perf_counter()
            root = make_imagenet(
                osp.join(self.work_dir, 'imagenet'), **self.scale.imagenet)
            sizes = []
            for folder, _, files in os.walk(osp.join(root, 'train')):
                sizes += [osp.getsize(osp.join(folder, f)) for f in files]
            self.shared['imagenet'] = dict(
                self.scale.imagenet,
                images=len(sizes),
                jpeg_mean_kib=sum(sizes) / len(sizes) / 1024,
                write_s=time.perf_counter() - start)
            self._imagenet = root
        return self._imagenet

    # -- subprocesses ----------------------------------------------------
    def env(self, **extra: str) -> Dict[str, str]:
        """The environment of a subprocess: this interpreter first on the
        PATH (the launchers call ``python``) and this checkout first on
        the PYTHONPATH, the rest inherited (an offline bundle on the
        PYTHONPATH keeps working)."""
        env = dict(os.environ)
        env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env.get(
            'PATH', '')
        python_path = env.get('PYTHONPATH')
        env['PYTHONPATH'] = self.repo + (
            os.pathsep + python_path if python_path else '')
        env['PYTHONUNBUFFERED'] = '1'
        env.update(extra)
        return env

    def run(self,
            cmd: Sequence[str],
            name: str,
            env: Optional[Dict[str, str]] = None) -> Process:
        """Run ``cmd`` in the checkout within the section's remaining
        budget, its output in ``OUT/logs/<section>-<name>.log``.

        On timeout the whole process group (torchrun and its workers) is
        killed and :class:`BudgetExceeded` raised.
        """
        self.check_budget(name)
        log = osp.join(self.out_dir, 'logs', f'{self.section}-{name}.log')
        os.makedirs(osp.dirname(log), exist_ok=True)
        start = time.perf_counter()
        with open(log, 'w') as f:
            f.write('$ ' + ' '.join(map(str, cmd)) + '\n')
            f.flush()
            proc = subprocess.Popen(
                list(map(str, cmd)),
                cwd=self.repo,
                env=env or self.env(),
                stdout=f,
                stderr=subprocess.STDOUT,
                start_new_session=True)
            try:
                returncode = proc.wait(timeout=max(self.remaining(), 1))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                spent = time.perf_counter() - start
                raise BudgetExceeded(
                    f'{name} was stopped after {spent:.0f} s, at the end of '
                    f'the section budget (log: {log})') from None
            except BaseException:  # the check itself is being stopped
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
        with open(log) as f:
            output = f.read()
        return Process(returncode, output, log, time.perf_counter() - start)
