"""The pattern measurements a study reports: answered share and the follower effect.

Gunarathne, Rui & Seidmann (2018) found that airlines answered fewer than half of
the complaints tagged to them and answered users with more followers faster. The
measurements must be able to show both, and the absence of both.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim

# a brand twice the baseline's reach on the same two-person hub keeps it busy (~80 %): only
# a queue lets a priority order the replies (at the baseline's volumes it is half idle)
BUSY = ("output.plots=false", "days=20", "strategy=hub_and_spoke", "population.reach=13000000")


def _summary(*extra: str) -> dict:
    return sim.run(sim.load_config("baseline", [*BUSY, *extra]), 0).summary


def test_silence_answers_no_complaint():
    summary = _summary("strategy=silence")
    assert summary["complaints_answered_share"] == 0.0
    assert math.isnan(summary["followers_response_correlation"])  # nothing answered


def test_priority_by_followers_shows_the_follower_effect_and_fifo_does_not():
    fifo = _summary("strategy.priority=fifo")
    visible = _summary("strategy.priority=visibility")
    answered = fifo["inbound_total"] * (1 - fifo["unanswered_share"])
    noise = 1 / math.sqrt(answered - 1)  # standard error of a rank correlation near 0
    assert abs(fifo["followers_response_correlation"]) < 3 * noise
    assert visible["followers_response_correlation"] < -3 * noise
    assert 0 < visible["complaints_answered_share"] <= 1


def test_volume_per_customer_and_the_share_needing_a_response(simulate):
    from support import SMALL

    from sim.engine.posts import KIND, is_problem

    model, result = simulate("baseline", SMALL, 3)
    posts, summary = model.posts, result.summary
    inbound = posts.addressed & (posts.kind != KIND["mention"])
    customer_years = result.daily["customers"].sum() / 365.0
    assert summary["inbound_per_customer_year"] == pytest.approx(
        inbound.sum() / customer_years, rel=1e-12
    )
    asks = is_problem(posts.kind, posts.negativity) | np.isin(
        posts.kind, [KIND["question"], KIND["lead"]]
    )
    assert summary["inbound_needing_response_share"] == pytest.approx(
        (inbound & asks).sum() / inbound.sum(), rel=1e-12
    )
    assert 0 < summary["inbound_needing_response_share"] < 1  # praise asks for nothing


def test_rank_correlation_equals_scipys_spearman_with_ties():
    from scipy.stats import spearmanr

    from sim.engine.summary import _rank_correlation

    rng = np.random.default_rng(0)
    for n in (3, 17, 2_000):
        followers = rng.integers(0, 12, n).astype(float)  # many ties, as follower counts
        hours = rng.exponential(1.0, n) - 0.05 * followers
        expected = spearmanr(followers, hours).statistic
        assert _rank_correlation(followers, hours) == pytest.approx(expected, rel=1e-12)
    assert np.isnan(_rank_correlation(np.ones(5), np.arange(5.0)))
