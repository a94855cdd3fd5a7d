# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Feature Decoupling: each loss component, the PU weights, the memory bank
(one process versus two gloo processes) and its restoration on resume."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner import Runner
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmselfsup_rot  # noqa: F401
from mmselfsup_rot.datasets.miniature import make_imagenet
from mmselfsup_rot.models.algorithms.feature_decoupling import (
    invariance_loss, load_rotation_probs, pu_weights)
from mmselfsup_rot.models.memories import InstanceMemoryBank
from mmselfsup_rot.utils.launch import free_port

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
FD_CFG = osp.join(REPO, 'configs',
                  'feature-decoupling_alexnet-bn_1xb192-steplr-245e_in1k.py')


def test_invariance_loss_zero_for_identical_copies():
    copy = torch.randn(1, 5, 8)
    assert invariance_loss(copy.expand(4, -1, -1)).item() == 0.0
    feats = torch.randn(4, 5, 8, requires_grad=True)
    loss = invariance_loss(feats)
    expected = ((feats - feats.mean(0))**2).mean()
    assert torch.allclose(loss, expected)
    loss.backward()  # the mean is a fixed target: grad = 2 (x - mean) / n
    assert torch.allclose(feats.grad,
                          2 * (feats - feats.mean(0)).detach() / feats.numel())


def test_pu_weights_one_for_unrotated_copy():
    probs = torch.rand(6, 4)
    labels = torch.arange(4).view(4, 1).expand(4, 6)
    weights = pu_weights(probs.expand(4, -1, -1), labels, gamma=2)
    assert torch.equal(weights[0], torch.ones(6))
    for r in range(1, 4):
        assert torch.equal(weights[r], 1 - probs[:, r]**2)


def test_load_rotation_probs_formats_and_errors(tmp_path):
    probs = np.random.rand(3, 4).astype(np.float32)
    np.save(tmp_path / 'p.npy', probs)
    np.savetxt(tmp_path / 'prob.dat', probs.reshape(-1))  # official layout
    assert np.array_equal(
        load_rotation_probs(str(tmp_path / 'p.npy'), 4), probs)
    assert np.allclose(
        load_rotation_probs(str(tmp_path / 'prob.dat'), 4), probs)
    with pytest.raises(ValueError, match=r'expected \(num_images, 2\)'):
        load_rotation_probs(str(tmp_path / 'p.npy'), 2)
    with pytest.raises(FileNotFoundError, match='compute_rotation_probs'):
        load_rotation_probs(str(tmp_path / 'none.npy'), 4)


def _tiny_model(pu_probs=None, num_samples=8):
    return MODELS.build(
        dict(
            type='FeatureDecoupling',
            data_preprocessor=dict(type='RotationDataPreprocessor'),
            backbone=dict(type='NIN', num_stages=1),
            neck=dict(type='FeatureSplitNeck', split=[48, 48]),
            head=dict(
                type='RotationHead',
                in_channels=48,
                in_index=0,
                pool_type='none'),
            nce_head=dict(
                type='NCEHead', in_channels=48, feat_dim=16, num_negatives=8),
            memory_bank=dict(
                type='InstanceMemoryBank',
                num_samples=num_samples,
                feat_dim=16),
            pu_probs=pu_probs,
            pu_start_epoch=3))


def _batch(images, indices):
    samples = [DataSample(metainfo=dict(sample_idx=i)) for i in indices]
    return dict(inputs=images, data_samples=samples)


def test_model_losses_pu_switch_and_bank_update(tmp_path):
    probs = np.random.rand(8, 4).astype(np.float32)
    np.save(tmp_path / 'p.npy', probs)
    model = _tiny_model(str(tmp_path / 'p.npy'))
    # constant images: all rotated copies identical -> invariance term 0
    data = _batch(
        torch.full((4, 3, 16, 16), 100, dtype=torch.uint8), [1, 5, 2, 7])
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 2)
    bank_before = model.memory_bank.bank.clone()
    losses = model(**model.data_preprocessor(data, True), mode='loss')
    assert set(losses) == {
        'loss_cls', 'loss_mse', 'loss_nce', 'acc_rot', 'pu_weight'
    }
    assert losses['loss_mse'].item() < 1e-10
    assert losses['pu_weight'].item() == 1.0  # before pu_start_epoch
    changed = (model.memory_bank.bank != bank_before).any(1)
    assert changed.nonzero().view(-1).tolist() == [1, 2, 5, 7]
    hub.update_info('epoch', 3)
    data = _batch(
        torch.randint(0, 255, (4, 3, 16, 16), dtype=torch.uint8), [1, 5, 2, 7])
    losses = model(**model.data_preprocessor(data, True), mode='loss')
    expected = torch.cat([
        torch.ones(4),
        *[1 - torch.from_numpy(probs[[1, 5, 2, 7], r])**2 for r in (1, 2, 3)]
    ]).mean()
    assert torch.allclose(losses['pu_weight'], expected)
    assert losses['loss_mse'].item() > 0
    hub.update_info('epoch', 0)
    samples = [DataSample(), DataSample()]
    for sample in samples:
        sample.set_field(torch.arange(4), 'rot_label')
    with pytest.raises(KeyError, match='sample_idx'):
        model.loss([torch.zeros(2, 3, 16, 16)] * 4, samples)


def test_nce_loss_falls_on_tiny_batch():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type='NCEHead', in_channels=16, feat_dim=8, num_negatives=16))
    bank = InstanceMemoryBank(num_samples=32, feat_dim=8)
    feats = torch.nn.Parameter(torch.randn(8, 16))
    indices = torch.arange(8)
    optim = torch.optim.SGD([feats] + list(head.parameters()), lr=0.5)
    losses = []
    for _ in range(30):
        loss, embeds = head.loss(feats, indices, bank)
        optim.zero_grad()
        loss.backward()
        optim.step()
        bank.update(embeds, indices)
        losses.append(loss.item())
    assert head.normalizer.item() > 0  # estimated once, then fixed
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])


def _bank_update(feats, indices):
    bank = InstanceMemoryBank(num_samples=10, feat_dim=4, seed=3)
    bank.update(feats, indices)
    return bank.bank


def _worker(rank, world_size, port, feats, indices, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    try:
        half = len(indices) // world_size
        part = slice(rank * half, (rank + 1) * half)
        bank = _bank_update(feats[part], indices[part])
        torch.save(bank, f'{out}_{rank}.pt')
    finally:
        dist.destroy_process_group()


def test_memory_bank_two_processes_equal_one(tmp_path):
    feats = torch.nn.functional.normalize(torch.randn(6, 4), dim=1)
    # slot 4 appears on both ranks (sampler padding): updated once
    indices = torch.tensor([4, 0, 7, 4, 9, 2])
    single = _bank_update(feats, indices)
    port = free_port()  # other test runs may hold a fixed one
    # fork: the children need not re-import the libraries
    mp.start_processes(
        _worker,
        args=(2, port, feats, indices, str(tmp_path / 'b')),
        nprocs=2,
        start_method='fork')
    for rank in range(2):
        assert torch.equal(torch.load(tmp_path / f'b_{rank}.pt'), single)
    fresh = InstanceMemoryBank(num_samples=10, feat_dim=4, seed=3).bank
    expected = torch.nn.functional.normalize(
        0.5 * fresh[4] + 0.5 * feats[0], dim=0)  # first occurrence
    assert torch.allclose(single[4], expected)
    assert torch.equal(single[[1, 3, 5, 6, 8]], fresh[[1, 3, 5, 6, 8]])


def _fd_cfg(root, work_dir, epochs):
    cfg = Config.fromfile(FD_CFG)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.update(
        batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = root
    cfg.train_dataloader.dataset.pipeline[1].scale = 64
    cfg.model.memory_bank.num_samples = 4
    cfg.model.nce_head.num_negatives = 8
    cfg.model.pu_probs = None
    cfg.train_cfg.max_epochs = epochs
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 1
    cfg.randomness = dict(seed=0)
    cfg.experiment_name = f'fd_{epochs}_{osp.basename(str(work_dir))}'
    return cfg


@pytest.mark.slow
def test_resume_restores_memory_bank(tmp_path):
    root = make_imagenet(
        str(tmp_path / 'data'),
        num_classes=2,
        train_per_class=2,
        val_per_class=1,
        size=72)
    runner = Runner.from_cfg(_fd_cfg(root, tmp_path / 'work', 1))
    initial = runner.model.memory_bank.bank.clone()
    runner.train()
    trained = runner.model.memory_bank.bank.clone()
    assert not torch.equal(trained, initial)
    ckpt = torch.load(tmp_path / 'work' / 'epoch_1.pth', map_location='cpu')
    assert torch.equal(ckpt['state_dict']['memory_bank.bank'], trained)
    normalizer = ckpt['state_dict']['nce_head.normalizer']
    assert normalizer.item() > 0

    cfg = _fd_cfg(root, tmp_path / 'work', 1)
    cfg.resume = True
    cfg.load_from = str(tmp_path / 'work' / 'epoch_1.pth')
    resumed = Runner.from_cfg(cfg)
    assert torch.equal(resumed.model.memory_bank.bank, initial)
    resumed.train()  # loads the checkpoint; nothing left to train
    assert torch.equal(resumed.model.memory_bank.bank, trained)
    assert torch.equal(resumed.model.nce_head.normalizer, normalizer)
