# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The settings of one speed measurement, entered once and passed down."""
import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class SpeedSettings:
    """How the speed engine loads, builds and times a training step.

    Args:
        batch_size (int): Source images per step (x4 rotated).
            Defaults to 16.
        workers (int): DataLoader workers (0: the main process).
            Defaults to 0.
        decode_backend (str): ``imdecode_backend`` of the loader paths.
            Defaults to ``'cv2'``.
        device (str): Device of the timed steps. Defaults to ``'cpu'``.
        amp (bool): Autocast both steps (``AmpOptimWrapper`` for the full
            step on CUDA). Defaults to False.
        amp_dtype (str): ``'bfloat16'`` or ``'float16'``.
            Defaults to ``'bfloat16'``.
        channels_last (bool): Model and batch in ``channels_last``.
            Defaults to False.
        device_flip (bool): Flip on the device (``flip_prob=0.5``).
            Defaults to False.
        steps (int): Timed steps per variant. Defaults to 10.
        warmup (int): Untimed steps per variant first. Defaults to 2.
        with_transform_step (bool): Also time ``train_step`` on
            loader-rotated views. Defaults to False.
        loader_rounds (int): Alternated rounds of the loader timings.
            Defaults to 5.
        seed (int): Seed of the data and of per-sample seeding.
            Defaults to 0.
    """

    batch_size: int = 16
    workers: int = 0
    decode_backend: str = 'cv2'
    device: str = 'cpu'
    amp: bool = False
    amp_dtype: str = 'bfloat16'
    channels_last: bool = False
    device_flip: bool = False
    steps: int = 10
    warmup: int = 2
    with_transform_step: bool = False
    loader_rounds: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.workers < 0:
            raise ValueError('batch_size must be >= 1 and workers >= 0, got '
                             f'{self.batch_size} and {self.workers}')
        if self.amp_dtype not in ('bfloat16', 'float16'):
            raise ValueError("amp_dtype must be 'bfloat16' or 'float16', "
                             f'got {self.amp_dtype!r}')

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> 'SpeedSettings':
        """The settings named in ``options`` (e.g. a command line's parsed
        options); other keys are left out."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in options.items() if k in names})
