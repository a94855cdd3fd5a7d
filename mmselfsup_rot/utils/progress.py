# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Progress bars with an ETA for the long loops of the tools.

mmengine's :class:`~mmengine.utils.ProgressBar` (tasks done, rate, elapsed
time and ETA) drawn on rank 0 only, around a plain loop
(:func:`track`) or around joblib workers (:func:`parallel_map`), so that the
SVMs, kNN, feature and probability passes and the dataset converters never
go silent for minutes.
"""
import sys
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence

from mmengine.dist import get_rank
from mmengine.utils import ProgressBar


def _bar(total: int, desc: str, enabled: bool) -> Optional[ProgressBar]:
    """A started bar on rank 0 (after a ``desc`` line), else None."""
    if not enabled or total <= 0 or get_rank() != 0:
        return None
    if desc:
        print(desc, flush=True)
    return ProgressBar(total, file=sys.stdout)


def _close(bar: Optional[ProgressBar]) -> None:
    if bar is not None:
        bar.file.write('\n')
        bar.file.flush()


def track(iterable: Iterable,
          total: int,
          desc: str = '',
          enabled: bool = True,
          weight: Optional[Callable[[Any], int]] = None) -> Iterator:
    """Yield the items of ``iterable`` while drawing a progress bar.

    Args:
        iterable (Iterable): The loop.
        total (int): Its length, or the sum of ``weight`` over it.
        desc (str): A line printed above the bar.
        enabled (bool): False draws nothing. Defaults to True.
        weight (Callable, optional): Tasks each item counts for (e.g. the
            images of a batch). Defaults to 1 per item.

    Yields:
        The items of ``iterable``.
    """
    bar = _bar(total, desc, enabled)
    try:
        for item in iterable:
            yield item
            if bar is not None:
                step = 1 if weight is None else int(weight(item))
                bar.update(max(0, min(step, total - bar.completed)))
    finally:
        _close(bar)


def parallel_map(func: Callable,
                 args_list: Sequence[tuple],
                 n_jobs: int = -1,
                 desc: str = '',
                 enabled: bool = True) -> List[Any]:
    """``[func(*args) for args in args_list]`` on joblib workers, in order,
    with a progress bar that advances as each call returns.

    Args:
        func (Callable): A picklable function.
        args_list (Sequence[tuple]): Positional arguments of each call.
        n_jobs (int): joblib workers; -1 uses all cores.
        desc (str): A line printed above the bar.
        enabled (bool): False draws nothing. Defaults to True.

    Returns:
        list: The results, in the order of ``args_list``.
    """
    from joblib import Parallel, delayed
    calls = Parallel(
        n_jobs=n_jobs, return_as='generator')(
            delayed(func)(*args) for args in args_list)
    return list(track(calls, len(args_list), desc, enabled))
