"""Acceptance on the full baseline (25,000 people, 90 days): saying nothing costs customers."""

from __future__ import annotations

import pytest
from support import full

SEEDS = (0, 1)


@pytest.fixture(scope="module", params=SEEDS)
def pair(request, simulate):
    seed = request.param
    silence = simulate("baseline", full("silence"), seed)[1]
    hub = simulate("baseline", full("hub_and_spoke"), seed)[1]
    return silence.summary, hub.summary


def test_runs_are_full_size(pair):
    for summary in pair:
        assert summary["population_size"] == 25_000
        assert summary["days"] == 90


def test_silence_churns_more(pair):
    silence, hub = pair
    assert silence["customers_start"] == hub["customers_start"]  # same people (same seed)
    assert silence["churn_rate"] > hub["churn_rate"]


def test_silence_leaves_customers_less_loyal(pair):
    silence, hub = pair
    assert silence["loyalty_mean_final"] < hub["loyalty_mean_final"]


def test_silence_answers_nobody(pair):
    silence, hub = pair
    assert silence["unanswered_share"] == 1.0
    assert silence["inbound_total"] > 0
    assert hub["unanswered_share"] < 1.0
