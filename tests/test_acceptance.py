"""Acceptance on the full baseline (25,000 people, 90 days): saying nothing costs customers.

At published volumes the team touches few people: in 90 days about 50 of the 25,000
simulated people post to the brand. What silence does shows first where those people
are (complainers who got no answer leave for a competitor) and in what the brand can
expect from its customers (the three-year value, which projects everyone's churn
hazard, open issues included); the realised churn of 90 days differs between the two
by a person or two, within noise, so it is not asserted here. The comparison is paired
(the same seeds under both strategies: common random numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import full

SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def pairs(simulate):
    return [
        (
            simulate("baseline", full("silence"), seed)[1].summary,
            simulate("baseline", full("hub_and_spoke"), seed)[1].summary,
        )
        for seed in SEEDS
    ]


def test_runs_are_full_size(pairs):
    for pair in pairs:
        for summary in pair:
            assert summary["population_size"] == 25_000
            assert summary["days"] == 90


def test_silence_loses_complainers_to_competitors(pairs):
    for silence, hub in pairs:
        assert silence["customers_start"] == hub["customers_start"]  # same people
    # a handful of simulated complainers a run: counted over the seeds together
    lost = [sum(pair[i]["defected_total"] for pair in pairs) for i in (0, 1)]
    assert lost[0] > lost[1], lost


def test_silence_is_worth_less_over_three_years(pairs):
    for silence, hub in pairs:
        assert silence["relationship_value_horizon"] < hub["relationship_value_horizon"]


def test_silence_leaves_customers_less_loyal(pairs):
    lead = np.array([hub["loyalty_mean_final"] - s["loyalty_mean_final"] for s, hub in pairs])
    # paired over the seeds: the mean lead is positive beyond two of its standard errors
    assert lead.mean() > 2 * lead.std(ddof=1) / math.sqrt(len(lead)), lead


def test_silence_answers_nobody(pairs):
    for silence, hub in pairs:
        assert silence["unanswered_share"] == 1.0
        assert silence["inbound_total"] > 0
        assert hub["unanswered_share"] < 1.0
