# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Model-zoo maintenance: find configs and finished runs, collect their
metrics into the model-zoo tables and write the mim metafiles."""
