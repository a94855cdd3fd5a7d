# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Model introspection for the analysis tools: first-layer filters,
attention maps, rotation predictions and training curves, drawn as PNGs
with matplotlib's Agg backend."""
