# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Per-sample seeding: the counter-based seed, SampleSeededCompose in the
main process and in (persistent) dataloader workers, seed_per_sample on
dataset wrappers, the detection of Python's random."""
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.dataset import (BaseDataset, Compose, ConcatDataset,
                              default_collate)
from mmengine.registry import DefaultScope
from torch.utils.data import DataLoader

from mmselfsup_rot.datasets import (SampleSeededCompose, sample_seed,
                                    seed_per_sample)
from mmselfsup_rot.datasets.rng_usage import (uses_python_random,
                                              uses_torch_random)


def _draw(results):
    """A transform drawing from all three global generators."""
    results['draws'] = torch.tensor([
        random.random(),
        np.random.rand(),
        torch.rand(()).item(),
    ],
                                    dtype=torch.float64)
    return results


class _Numbers(BaseDataset):
    """``size`` samples; ``skip`` indices are dropped by the pipeline."""

    def __init__(self, size=12, skip=(), pipeline=(_draw, )):
        self.size, self.skip = size, set(skip)
        pipeline = [self._maybe_skip] + list(pipeline)
        super().__init__(pipeline=pipeline, serialize_data=False)

    def load_data_list(self):
        return [dict(value=i) for i in range(self.size)]

    def _maybe_skip(self, results):
        return None if results['value'] in self.skip else results


def test_sample_seed_is_a_counter_based_hash():
    seeds = {
        sample_seed(s, e, i, k)
        for s in range(3)
        for e in range(3)
        for i in range(50)
        for k in range(2)
    }
    assert len(seeds) == 3 * 3 * 50 * 2
    assert all(0 <= s < 2**64 for s in seeds)
    assert sample_seed(7, 2, 11) == sample_seed(7, 2, 11)
    # well mixed: neighbouring indices share about half of their bits
    diff = bin(sample_seed(0, 0, 1) ^ sample_seed(0, 0, 2)).count('1')
    assert 16 < diff < 48


def test_same_draws_whatever_came_before():
    pipeline = SampleSeededCompose([_draw], seed=3)
    pipeline.set_epoch(1)
    first = pipeline(dict(sample_idx=5))['draws']
    for i in range(4):  # other samples, other global states
        pipeline(dict(sample_idx=i))
        np.random.rand(7)
    assert torch.equal(pipeline(dict(sample_idx=5))['draws'], first)
    pipeline.set_epoch(2)
    assert not torch.equal(pipeline(dict(sample_idx=5))['draws'], first)
    assert not torch.equal(
        SampleSeededCompose([_draw], seed=4, stream=0).__call__(
            dict(sample_idx=5))['draws'], first)


def test_missing_sample_idx_is_an_error():
    with pytest.raises(KeyError, match='sample_idx'):
        SampleSeededCompose([_draw])(dict(img='x'))


def _epochs(dataset, workers, epochs=2):
    pipelines = seed_per_sample(dataset, seed=0)
    loader = DataLoader(
        dataset,
        batch_size=4,
        num_workers=workers,
        persistent_workers=workers > 0,
        collate_fn=default_collate)
    out = []
    for epoch in range(epochs):
        for pipeline in pipelines:
            pipeline.set_epoch(epoch)
        draws = []
        for batch in loader:
            draws += list(zip(batch['sample_idx'].tolist(), batch['draws']))
        out.append(draws)
    return out


def test_workers_and_persistence_do_not_change_the_draws():
    ref = _epochs(_Numbers(), 0)
    assert not torch.equal(ref[0][3][1], ref[1][3][1])  # epochs differ
    for workers in (1, 2):
        _assert_same(ref, _epochs(_Numbers(), workers))


def _assert_same(ref, got):
    assert len(ref) == len(got)
    for ref_epoch, got_epoch in zip(ref, got):
        assert [i for i, _ in ref_epoch] == [i for i, _ in got_epoch]
        for (_, a), (_, b) in zip(ref_epoch, got_epoch):
            assert torch.equal(a, b)


def test_replacement_of_a_skipped_sample_is_seeded():
    """mmengine draws the replacement of a dropped sample with np.random:
    it is the same with and without workers."""
    skip = (2, 5, 7)
    ref = _epochs(_Numbers(skip=skip), 0, epochs=1)
    got = _epochs(_Numbers(skip=skip), 2, epochs=1)
    assert len(ref[0]) == 12 and not set(skip) & {i for i, _ in ref[0]}
    _assert_same(ref, got)


def test_seed_per_sample_on_wrappers():
    parts = [_Numbers(size=4), _Numbers(size=4)]
    concat = ConcatDataset(parts)
    pipelines = seed_per_sample(concat, seed=9)
    assert [p.stream for p in pipelines] == [0, 1]
    assert all(p.seed == 9 for p in pipelines)
    # the parts do not share seeds for the same index
    assert not torch.equal(concat[0]['draws'], concat[4]['draws'])
    # idempotent: no second wrapper
    again = seed_per_sample(concat, seed=9)
    assert [id(p) for p in again] == [id(p) for p in pipelines]


def test_pipeline_written_in_a_config_is_reused():
    dataset = _Numbers(
        pipeline=[dict(type='SampleSeededCompose', transforms=[_draw])])
    written = dataset.pipeline.transforms[-1]
    assert isinstance(written, SampleSeededCompose)
    assert seed_per_sample(dataset, seed=1) == [written]
    assert written.seed == 1


def _python_random_user(results):
    results['x'] = random.random()
    return results


class _GreyLike:
    """Draws from Python's random through a method, as mmcv's
    RandomGrayscale does."""

    def _prob(self):
        return random.random()

    def __call__(self, results):
        return results if self._prob() < 2 else None


class _Wrapper:
    """Nests transforms, as mmcv's RandomApply does."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, results):
        return results


def _numpy_only(results):
    results['z'] = np.random.rand()
    return results


def _dropout(results):
    results['x'] = F.dropout(torch.ones(4))
    return results


def test_torch_is_seeded_when_a_transform_uses_it():
    assert uses_torch_random([_draw_numpy_torch])
    assert uses_torch_random([_dropout])
    assert not uses_torch_random([_numpy_only, _python_random_user])
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        erasing = Compose([dict(type='torchvision/RandomErasing')])
    assert uses_torch_random(erasing.transforms)  # an nn.Module
    seeded = SampleSeededCompose([_numpy_only])
    assert not seeded.seed_torch and not seeded.seed_python_random
    assert SampleSeededCompose([_dropout]).seed_torch


def test_python_random_is_seeded_when_a_transform_uses_it():
    assert not uses_python_random([_draw_numpy_torch])
    assert uses_python_random([_draw])
    assert uses_python_random([_python_random_user])
    assert uses_python_random([_GreyLike()])
    assert uses_python_random([_Wrapper([_GreyLike()])])
    assert not uses_python_random([_Wrapper([_draw_numpy_torch])])
    assert uses_python_random([len])  # nothing to read: assumed
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        recipe = Compose([
            dict(type='RobustLoadImageFromFile'),
            dict(type='RandomResizedCrop', scale=224),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackInputs')
        ])
        grey = Compose([dict(type='RandomGrayscale', prob=0.2)])
    assert not uses_python_random(recipe.transforms)
    assert uses_python_random(grey.transforms)
    seeded = SampleSeededCompose([_python_random_user])
    assert seeded.seed_python_random
    first = seeded(dict(sample_idx=1))['x']
    random.random()
    assert seeded(dict(sample_idx=1))['x'] == first
    assert not SampleSeededCompose([_draw_numpy_torch]).seed_python_random


def _draw_numpy_torch(results):
    results['y'] = (np.random.rand(), torch.rand(()).item())
    return results
