"""sim.engine.streams.LowUniforms: a uniform per person, drawn only below a bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.engine.streams import LowUniforms, below

SIZE, BOUND = 200_000, 0.02


def test_those_below_are_a_binomial_number_of_distinct_people():
    counts = []
    for seed in range(20):
        low = LowUniforms(np.random.default_rng(seed), SIZE, BOUND)
        assert (np.diff(low.people) > 0).all()  # sorted, nobody twice
        assert ((low.values >= 0) & (low.values < BOUND)).all()
        counts.append(len(low.people))
    # 20 Binomial(SIZE, BOUND) counts: their mean has sd sqrt(SIZE p (1 - p) / 20)
    sd = math.sqrt(SIZE * BOUND * (1 - BOUND) / 20)
    assert abs(np.mean(counts) - SIZE * BOUND) < 4 * sd


def test_they_match_a_uniform_per_person_below_any_smaller_bound():
    low = LowUniforms(np.random.default_rng(1), SIZE, BOUND)
    people, values = below(low, BOUND / 4)
    assert (values < BOUND / 4).all()
    mean = SIZE * BOUND / 4
    assert abs(len(people) - mean) < 4 * math.sqrt(mean)
    # the values are uniform on [0, bound): Kolmogorov-Smirnov at the 0.1 % level
    assert stats.kstest(low.values / BOUND, "uniform").pvalue > 1e-3
    # who is below is unrelated to the index: the mean index is the middle, sd SIZE / sqrt(12 n)
    n = len(low.people)
    assert abs(low.people.mean() - SIZE / 2) < 4 * SIZE / math.sqrt(12 * n)


def test_a_dense_array_gives_the_same_answer_as_its_own_comparison():
    u = np.random.default_rng(2).random(1000)
    people, values = below(u, 0.1)
    np.testing.assert_array_equal(people, np.flatnonzero(u < 0.1))
    np.testing.assert_array_equal(values, u[u < 0.1])


def test_a_bound_above_the_drawn_one_is_refused():
    low = LowUniforms(np.random.default_rng(3), 100, 0.1)
    with pytest.raises(ValueError, match="exceeds the drawn bound"):
        below(low, 0.2)


BASE = 0.005  # a layered draw: below BASE shared by every arm, [BASE, BOUND) drawn apart


def _layered(seed: int, bound: float = BOUND) -> LowUniforms:
    rng, extra = np.random.default_rng(seed), np.random.default_rng(seed + 1000)
    return LowUniforms.layered(rng, extra, SIZE, BASE, bound)


def test_a_layered_draw_keeps_what_is_below_the_base_and_adds_the_band():
    plain = LowUniforms(np.random.default_rng(4), SIZE, BASE)
    layered = _layered(4)
    assert layered.bound == BOUND
    assert (np.diff(layered.people) > 0).all()  # sorted, nobody twice
    assert ((layered.values >= 0) & (layered.values < BOUND)).all()
    # below the base: the plain draw's people and values, whatever the band adds
    people, values = below(layered, BASE)
    np.testing.assert_array_equal(people, plain.people)
    np.testing.assert_array_equal(values, plain.values)
    # a bound at the base draws nothing more: the plain draw itself
    same = LowUniforms.layered(np.random.default_rng(4), np.random.default_rng(0), SIZE, BASE, BASE)
    np.testing.assert_array_equal(same.people, plain.people)


def test_a_layered_draw_has_the_law_of_a_uniform_per_person():
    counts, band = [], []
    for seed in range(20):
        layered = _layered(seed)
        counts.append(len(layered.people))
        band.append(layered.values[layered.values >= BASE])
    # Binomial(SIZE, BOUND) in all: the mean of 20 has sd sqrt(SIZE p (1 - p) / 20)
    sd = math.sqrt(SIZE * BOUND * (1 - BOUND) / 20)
    assert abs(np.mean(counts) - SIZE * BOUND) < 4 * sd
    # the band's values are uniform on [BASE, BOUND): Kolmogorov-Smirnov at the 0.1 % level
    values = np.concatenate(band)
    assert stats.kstest((values - BASE) / (BOUND - BASE), "uniform").pvalue > 1e-3
    # the band's people are a uniform sample of the others: mean index in the middle
    layered = _layered(3)
    extra = layered.people[layered.values >= BASE]
    assert abs(extra.mean() - SIZE / 2) < 4 * SIZE / math.sqrt(12 * len(extra))
