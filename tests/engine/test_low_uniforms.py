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
