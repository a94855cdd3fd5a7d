# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The part of ``pkg_resources`` that mmengine uses, over importlib.metadata.

mmengine 0.10 resolves the ``mmdet::`` / ``mmseg::`` bases of configs with
``mmengine.utils.is_installed`` / ``get_installed_path``, which import
``pkg_resources`` (setuptools < 82) without a fallback. tools/gpu_node_run.sh
puts this folder on ``PYTHONPATH`` only when ``import pkg_resources`` fails,
so a real ``pkg_resources`` is never shadowed. Not a package of its own
(``importlib.reload(pkg_resources)`` must find it on ``sys.path``).
"""
import importlib.metadata as _metadata
from typing import Any

__all__ = ['Distribution', 'DistributionNotFound', 'get_distribution']


class DistributionNotFound(Exception):
    """No installed distribution of that name."""


class Distribution:
    """The fields of ``pkg_resources.Distribution`` mmengine reads.

    Args:
        dist (importlib.metadata.Distribution): The installed distribution.
    """

    def __init__(self, dist: _metadata.Distribution) -> None:
        self._dist = dist
        self.project_name = dist.metadata['Name']
        self.version = dist.version
        # the folder holding the dist-info, i.e. the import root
        self.location = str(dist.locate_file(''))

    def has_metadata(self, name: str) -> bool:
        """Whether the dist-info holds the file ``name``."""
        return self._dist.read_text(name) is not None

    def get_metadata(self, name: str) -> str:
        """The text of the dist-info file ``name``."""
        text = self._dist.read_text(name)
        if text is None:
            raise FileNotFoundError(
                f'{self.project_name} has no metadata file {name}')
        return text

    def __repr__(self) -> str:
        return f'{self.project_name} {self.version} ({self.location})'


def get_distribution(dist: Any) -> Distribution:
    """The installed distribution named ``dist``.

    Raises:
        DistributionNotFound: when none is installed.
    """
    try:
        return Distribution(_metadata.distribution(str(dist)))
    except _metadata.PackageNotFoundError:
        raise DistributionNotFound(f'{dist} is not installed') from None
