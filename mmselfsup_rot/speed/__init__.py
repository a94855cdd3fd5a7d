# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The speed benchmarks' engine: loader paths, the train step against the
bare backbone, measurement probes and report tables. Command lines:
``tools/speed/rotation_speed.py`` and ``tools/speed/dist_scaling.py``;
recorded results: ``benchmarks/speed/results/``."""
