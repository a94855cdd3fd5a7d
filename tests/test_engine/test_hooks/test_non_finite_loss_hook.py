# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""NonFiniteLossHook in a real mmengine Runner: a model with several loss
terms (as Feature Decoupling has) whose second term turns NaN."""
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from mmselfsup_rot.engine.hooks.non_finite_loss_hook import NonFiniteLossError


class TwoTermModel(BaseModel):
    """``loss_cls`` stays finite; ``loss_nce`` is NaN from ``bad_iter``."""

    def __init__(self, bad_iter: int) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.bad_iter = bad_iter
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.calls += 1
        out = self.fc(torch.stack(inputs)).mean()
        nce = out * 0 + (float('nan') if self.calls >= self.bad_iter else 1.)
        return dict(loss_cls=out**2, loss_nce=nce)


def _runner(tmp_path, bad_iter):
    loader = DataLoader(
        [torch.ones(2)] * 8,
        batch_size=2,
        collate_fn=lambda batch: dict(inputs=batch))
    return Runner(
        model=TwoTermModel(bad_iter),
        work_dir=str(tmp_path),
        train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=[dict(type='NonFiniteLossHook')],
        default_scope='mmpretrain')


def test_names_the_offending_term_and_keeps_last_checkpoint(tmp_path):
    import mmselfsup_rot  # noqa: F401 (registers the hook)
    runner = _runner(tmp_path, bad_iter=6)  # iteration 2 of epoch 2
    with pytest.raises(NonFiniteLossError) as err:
        runner.train()
    message = str(err.value)
    assert message.startswith(
        'Non-finite loss at iteration 6 (epoch 2): loss_nce=nan. Training '
        f'stopped; the last good checkpoint is {tmp_path}/epoch_1.pth.')
    assert 'loss_cls' not in message  # the finite term is not blamed
    assert not (tmp_path / 'epoch_2.pth').exists()


def test_finite_losses_train_through(tmp_path):
    import mmselfsup_rot  # noqa: F401
    runner = _runner(tmp_path, bad_iter=10**6)
    runner.train()
    assert (tmp_path / 'epoch_2.pth').exists()
