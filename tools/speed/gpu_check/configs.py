# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The ``configs`` section of the CPU rehearsal: every config the GPU
check runs loads in this environment, including the ``mmdet::`` /
``mmseg::`` bases of the transfer configs (mmengine resolves those
through ``pkg_resources``), and the recipe's loader yields a batch."""
from mmengine.config import Config

from .context import MAIN_CFG, Outcome
from .data_bound import build_recipe_loader
from .training import DET_CFG, SEG_CFG

#: Config and the model type its bases must produce.
EXPECTED_MODELS = ((MAIN_CFG, 'RotationPred'), (DET_CFG, 'FasterRCNN'),
                   (SEG_CFG, 'EncoderDecoder'))


def check_configs(ctx) -> Outcome:
    """Load each config, compare its model type and draw one batch from
    the pretraining recipe's loader (no workers)."""
    failures = []
    models = {}
    for path, expected in EXPECTED_MODELS:
        model = Config.fromfile(ctx.path(path)).model.type
        models[path] = model
        if model != expected:
            failures.append(f'{path}: model type {model}, expected '
                            f'{expected}')
    loader = build_recipe_loader(ctx.path(MAIN_CFG), ctx.imagenet(), 0)
    images = len(next(iter(loader))['inputs'])
    if not images:
        failures.append('the recipe loader gave an empty batch')
    return Outcome(
        summary=f'{len(models)} configs loaded '
        f"({', '.join(sorted(set(models.values())))}), a batch of "
        f'{images} from the recipe loader',
        figures=dict(models=models, batch_images=images),
        failures=failures)
