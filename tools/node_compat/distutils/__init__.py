# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Stand-in for ``distutils`` where Python 3.12 has none.

mmengine's ``collect_env`` (logged by every Runner) starts with ``from
distutils import errors``. Python 3.12 removed distutils; setuptools
provides it through a start-up hook in site-packages, which a node image
without setuptools lacks. tools/gpu_node_run.sh puts the parent folder on
``PYTHONPATH`` only when ``from distutils import errors`` fails; it offers
``distutils.errors`` alone.
"""
