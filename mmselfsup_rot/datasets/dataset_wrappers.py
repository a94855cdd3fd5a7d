# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""One walk through dataset wrappers (``ConcatDataset``,
``RepeatDataset``, ``ClassBalancedDataset``, ``Subset``-like objects)."""
from typing import Any, Iterator, Tuple


def named_datasets(dataset: Any,
                   where: str = 'dataset') -> Iterator[Tuple[str, Any]]:
    """Yield ``(location, dataset)`` for the dataset and those inside its
    wrappers (``dataset.datasets``, ``dataset.dataset``), depth first.

    Args:
        dataset: A dataset or a dataset wrapper.
        where (str): The location of ``dataset``, for messages.
            Defaults to ``'dataset'``.

    Returns:
        Iterator[tuple]: ``(location, dataset)``, e.g.
        ``('dataset.datasets.1', <ImageNet>)``.
    """
    yield where, dataset
    for idx, inner in enumerate(getattr(dataset, 'datasets', None) or []):
        yield from named_datasets(inner, f'{where}.datasets.{idx}')
    if getattr(dataset, 'dataset', None) is not None:
        yield from named_datasets(dataset.dataset, f'{where}.dataset')


def iter_datasets(dataset: Any) -> Iterator[Any]:
    """The datasets of :func:`named_datasets`, without their locations."""
    for _, data in named_datasets(dataset):
        yield data
