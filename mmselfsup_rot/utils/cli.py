# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Shared pieces of the command-line tools: common flags, and errors as one
line instead of a traceback."""
import argparse
import contextlib
import os
from typing import Iterator, Sequence, Type

from mmengine.config import DictAction

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def add_launcher_args(parser: argparse.ArgumentParser,
                      launchers: Sequence[str] = LAUNCHERS) -> None:
    """Add ``--launcher`` and the ``--local-rank`` that torchrun passes.

    Call :func:`export_local_rank` with the parsed ``local_rank``.

    Args:
        parser (ArgumentParser): The tool's parser.
        launchers (Sequence[str]): The launchers the tool supports.
            Defaults to mmengine's ``none``, ``pytorch``, ``slurm`` and
            ``mpi``.
    """
    parser.add_argument(
        '--launcher',
        choices=list(launchers),
        default='none',
        help='job launcher')
    # torchrun passes --local-rank (with a hyphen)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def add_model_image_args(parser: argparse.ArgumentParser,
                         size: int = 224) -> None:
    """Add the arguments of the tools that run a model on image files:
    ``config``, ``checkpoint``, ``images``, ``out`` (a PNG), ``--size`` and
    ``--cfg-options``.

    Args:
        parser (ArgumentParser): The tool's parser.
        size (int): Default side the images are resized to.
    """
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', help='an image or a folder of images')
    parser.add_argument('out', help='PNG to write')
    parser.add_argument(
        '--size', type=int, default=size, help='resize the images to this')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs')


def export_local_rank(local_rank: int) -> None:
    """Export ``--local-rank`` as ``LOCAL_RANK`` unless the launcher has
    set it, as mmengine reads it from there.

    Args:
        local_rank (int): The value of the tool's ``--local-rank``.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(local_rank)


@contextlib.contextmanager
def errors_as_one_line(*errors: Type[BaseException],
                       prefix: str = 'error: ') -> Iterator[None]:
    """Turn the given exceptions into ``SystemExit`` with one message line.

    The errors we raise for bad input (a dataset missing on disk, a
    checkpoint that does not fit) already say what was expected where; the
    traceback around them only hides that line.

    Args:
        *errors: The exception types to convert.
        prefix (str): Put before the message. Defaults to ``'error: '``.
    """
    try:
        yield
    except errors as err:
        raise SystemExit(f'{prefix}{err}') from None
