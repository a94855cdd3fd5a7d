# Copyright (c) mmselfsup_rot contributors. All rights reserved.
from .collate import SizeCheckedCollate
from .inat import INaturalist2018
from .k_per_class import KPerClassDataset
from .sample_seed import sample_seed
from .sample_seeded_compose import SampleSeededCompose, seed_per_sample
from .transforms import *  # noqa: F401,F403

__all__ = [
    'KPerClassDataset', 'INaturalist2018', 'SampleSeededCompose',
    'sample_seed', 'seed_per_sample', 'SizeCheckedCollate'
]
