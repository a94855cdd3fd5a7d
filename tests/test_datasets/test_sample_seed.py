# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""Per-sample seeding: the counter-based seed, SampleSeededCompose in the
main process and in (persistent) dataloader workers, seed_per_sample on
dataset wrappers."""
import random

import numpy as np
import pytest
import torch
from mmengine.dataset import BaseDataset, ConcatDataset, default_collate
from torch.utils.data import DataLoader

from mmselfsup_rot.datasets import (SampleSeededCompose, sample_seed,
                                    seed_per_sample)


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


def test_main_process_torch_state_is_restored():
    pipeline = SampleSeededCompose([_draw], seed=0)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    pipeline(dict(sample_idx=0))
    pipeline(dict(sample_idx=1))
    assert torch.equal(torch.rand(3), expected)


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
        collate_fn=default_collate,
        # as EpochSeedHook sets it: starting workers draws from it, not
        # from the main process's generator
        generator=torch.Generator())
    torch.manual_seed(0)
    out = []
    for epoch in range(epochs):
        for pipeline in pipelines:
            pipeline.set_epoch(epoch)
        draws = []
        for batch in loader:
            draws += list(zip(batch['sample_idx'].tolist(), batch['draws']))
        out.append(draws)
    # the loader drew nothing from the main process's torch generator
    return out, torch.rand(())


def test_workers_and_persistence_do_not_change_the_draws():
    ref, main_ref = _epochs(_Numbers(), 0)
    assert not torch.equal(ref[0][3][1], ref[1][3][1])  # epochs differ
    for workers in (1, 2):
        got, main = _epochs(_Numbers(), workers)
        _assert_same(ref, got)
        assert torch.equal(main, main_ref)


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
    ref, _ = _epochs(_Numbers(skip=skip), 0, epochs=1)
    got, _ = _epochs(_Numbers(skip=skip), 2, epochs=1)
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
