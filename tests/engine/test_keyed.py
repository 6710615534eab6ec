"""sim.engine.keyed: draws by (key, index, field), uniform, independent and repeatable."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.engine.keyed import FIELDS, KeyedDraws

N = 200_000


def test_the_same_key_index_and_field_give_the_same_value_in_any_order():
    draws = KeyedDraws(12345)
    index = np.arange(1000)
    every = draws.uniform(index, 3)
    some = np.array([7, 999, 0, 500])
    np.testing.assert_array_equal(draws.uniform(some, 3), every[some])
    # a block of fields equals the fields one by one
    block = draws.uniform(index, np.array([3, 5], dtype=np.uint64))
    np.testing.assert_array_equal(block[:, 0], every)
    np.testing.assert_array_equal(block[:, 1], draws.uniform(index, 5))


def test_uniforms_are_uniform():
    u = KeyedDraws(1).uniform(np.arange(N), 0)
    assert ((u >= 0) & (u < 1)).all()
    # Kolmogorov-Smirnov at the 0.1 % level for a fixed key: fails by chance once in 1,000 keys
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # the mean of N uniforms: sd sqrt(1/12 / N)
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / N)


def test_fields_indices_and_keys_are_uncorrelated():
    index = np.arange(N)
    a = KeyedDraws(7).uniform(index, 0)
    b = KeyedDraws(7).uniform(index, 1)  # another field of the same candidates
    c = KeyedDraws(8).uniform(index, 0)  # the same field under the next key
    d = KeyedDraws(7).uniform(index + 1, 0)  # the neighbouring candidate
    # a sample correlation of independent variables has sd 1 / sqrt(N)
    for other in (b, c, d):
        assert abs(np.corrcoef(a, other)[0, 1]) < 4 / math.sqrt(N)


def test_the_marks_drawn_by_key_have_their_distributions():
    """A candidate's exponential marks come from its keyed uniforms by inversion."""
    from sim.config.schema import Posts
    from sim.engine.posts import _PART_FIELDS, _marks_from

    cfg = Posts(patience_hours=48.0, addressed_share=0.6)
    u = KeyedDraws(99).uniform(np.arange(N), _PART_FIELDS)
    marks = _marks_from(u[:, 1:], cfg)
    for name, mean in (("patience", 48.0), ("handle_work", 1.0), ("spoke_work", 1.0)):
        x = marks[name]
        assert (x >= 0).all()
        assert abs(x.mean() - mean) < 4 * mean / math.sqrt(N)  # sd of the mean: mean / sqrt(N)
        assert stats.kstest(x, "expon", args=(0, mean)).pvalue > 1e-3
    p = cfg.addressed_share
    assert abs(marks["addressed"].mean() - p) < 4 * math.sqrt(p * (1 - p) / N)


def test_a_field_out_of_range_is_refused():
    with pytest.raises(ValueError, match="fields must be in"):
        KeyedDraws(1).uniform(np.arange(3), FIELDS)


def test_the_draws_are_splitmix64_at_counter_index_times_fields_plus_field():
    """SplitMix64's first outputs from seed 1234567 (the reference implementation's
    published sequence) are counters 1..5: candidate 0's fields 1..5; candidate 2's
    field 3 is counter 35, computed here with Python's own integers."""
    published = [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
        4593380528125082431,
        16408922859458223821,
    ]
    draws = KeyedDraws(1234567)
    got = draws.bits(np.zeros(1, dtype=np.int64), np.arange(1, 6, dtype=np.uint64))
    assert got[0].tolist() == published

    def splitmix(state: int) -> int:
        z = state % 2**64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2**64
        return z ^ (z >> 31)

    assert int(draws.bits(np.array([2]), 3)[0]) == splitmix(1234567 + 35 * 0x9E3779B97F4A7C15)


def test_uniforms_are_the_top_53_bits_scaled_exactly():
    """The uniform is (bits >> 11) * 2**-53, whichever conversion computes it."""
    draws = KeyedDraws(2**63 - 25)
    index = np.arange(5_000, dtype=np.int64)
    for field in (0, np.array([3, 7], dtype=np.uint64)):
        bits = draws.bits(index, field)
        expected = np.array([int(b) >> 11 for b in bits.ravel()], dtype=np.float64) * 2.0**-53
        assert np.array_equal(draws.uniform(index, field).ravel(), expected)
