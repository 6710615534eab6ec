"""The demand rhythm: arrival shares by hour of day and by weekday follow the weights.

Counts of arrivals in each hour (weekday), given the total, are multinomial
with the normalised weights, so each share's tolerance is its binomial
standard error sqrt(p (1 - p) / n); 4 SE per cell keeps the chance that any of
the 24 (7) cells fails by luck below 0.2 %.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.config import ConfigError
from sim.config.schema import Demand
from sim.engine.arrivals import DailyRhythm, PostGenerator
from sim.engine.clock import HOURS_PER_DAY
from sim.engine.model import HubspokeModel
from sim.engine.population import CUSTOMER

SE_BOUND = 4.0


def _generator(demand: Demand, size: int = 50_000) -> PostGenerator:
    cfg = sim.load_config("baseline").posts
    return PostGenerator(cfg, size, np.ones(len(cfg.topics)), demand)


def _arrivals(demand: Demand, days: int, seed: int = 3) -> np.ndarray:
    gen = _generator(demand)
    rng = np.random.default_rng(seed)
    state = np.full(gen.size, CUSTOMER, dtype=np.int8)
    loyalty = np.full(gen.size, 0.6)
    times = []
    for day in range(days):
        part = gen.day(rng, day * HOURS_PER_DAY, 1.0, np.ones(len(gen.topic_p)), state, loyalty)
        times.append(part["created"])
    return np.concatenate(times)


def _assert_shares(counts: np.ndarray, weights: np.ndarray) -> None:
    n = counts.sum()
    p = weights / weights.sum()
    assert (counts[p == 0] == 0).all()
    some = p > 0
    se = np.sqrt(p[some] * (1.0 - p[some]) / n)
    z = (counts[some] / n - p[some]) / se
    assert np.abs(z).max() < SE_BOUND, z.round(2)


def test_hourly_shares_match_the_weights():
    demand = Demand()
    created = _arrivals(demand, days=14)
    hours = np.floor(created % HOURS_PER_DAY).astype(int)
    _assert_shares(np.bincount(hours, minlength=24), np.asarray(demand.hourly))


def test_weekday_shares_match_the_weights():
    demand = Demand()
    created = _arrivals(demand, days=28)
    weekday = (created // HOURS_PER_DAY).astype(int) % 7
    _assert_shares(np.bincount(weekday, minlength=7), np.asarray(demand.weekly))


def test_default_profile_puts_77_percent_between_9_and_21():
    rhythm = DailyRhythm(Demand())
    assert rhythm.hour_share[9:21].sum() == pytest.approx(0.77, abs=1e-4)


def test_a_skewed_profile_is_followed_too():
    hourly = [0.0] * 24
    hourly[3], hourly[15] = 1.0, 3.0
    demand = Demand(hourly=hourly, weekly=[1, 1, 1, 1, 1, 0, 2])
    created = _arrivals(demand, days=14)
    hours = np.floor(created % HOURS_PER_DAY).astype(int)
    assert set(np.unique(hours)) == {3, 15}
    _assert_shares(np.bincount(hours, minlength=24), np.asarray(hourly))
    weekday = (created // HOURS_PER_DAY).astype(int) % 7
    assert not (weekday == 5).any()
    _assert_shares(np.bincount(weekday, minlength=7), np.asarray(demand.weekly))


def test_weekly_weights_keep_the_weekly_volume():
    flat, skewed = Demand(weekly=[1.0] * 7), Demand(weekly=[5, 1, 1, 1, 1, 1, 1])
    n_flat, n_skewed = len(_arrivals(flat, 28)), len(_arrivals(skewed, 28))
    # two Poisson totals with the same mean: their difference has SD sqrt(2 n)
    assert abs(n_flat - n_skewed) < SE_BOUND * np.sqrt(2 * n_flat)


def test_candidate_times_do_not_depend_on_the_strategy():
    base = ["population.size=3000", "days=10", "output.plots=false"]
    a = HubspokeModel(sim.load_config("baseline", [*base, "strategy=silence"]), 5)
    b = HubspokeModel(sim.load_config("baseline", [*base, "strategy=enterprise"]), 5)
    # the first day's posts are drawn before any strategy has acted
    np.testing.assert_array_equal(a.posts.created, b.posts.created)
    np.testing.assert_array_equal(a.posts.author, b.posts.author)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("demand.hourly=[1,2,3]", "demand.hourly: 3 weights; must be 24"),
        ("demand.weekly=[1,1,1,1,1,1,-1]", "demand.weekly.6=-1: out of range; must be >= 0"),
        ("demand.weekly=[0,0,0,0,0,0,0]", "demand.weekly: weights sum to 0; must be > 0"),
    ],
)
def test_bad_rhythm_is_one_line(override, message):
    with pytest.raises(ConfigError) as info:
        sim.load_config("baseline", [override])
    assert str(info.value).startswith(message)
