"""sim.engine.metrics: the daily ledger, loyalty and response statistics, summary, post log."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from support import POST_COLUMNS

from sim.config.schema import POST_KINDS
from sim.engine.metrics import (
    DETRACTOR,
    PROMOTER,
    Ledger,
    inbound_mask,
    loyalty_stats,
    post_log,
    quantiles,
    response_stats,
)
from sim.engine.posts import COMPLAINT, LEAD, MENTION, OUTCOME, PRAISE, QUESTION, PostBook
from sim.engine.summary import summarise


def test_loyalty_stats_on_known_values():
    loyalty = np.linspace(0.0, 1.0, 101)
    stats = loyalty_stats(loyalty)
    assert stats["loyalty_mean"] == pytest.approx(0.5)
    assert stats["loyalty_p10"] == pytest.approx(0.1)
    assert stats["loyalty_p50"] == pytest.approx(0.5)
    assert stats["loyalty_p90"] == pytest.approx(0.9)
    promoters = (loyalty >= PROMOTER).mean()
    detractors = (loyalty <= DETRACTOR).mean()
    assert stats["nps_like"] == pytest.approx(promoters - detractors)
    assert stats["nps_like"] == pytest.approx(21 / 101 - 41 / 101)


def test_loyalty_stats_of_nobody_is_nan():
    stats = loyalty_stats(np.array([]))
    assert all(math.isnan(v) for v in stats.values())


def test_response_stats():
    stats = response_stats([0.5, 1.0, 2.0, 4.0], sla=1.0)
    assert stats["responses"] == 4.0
    assert stats["first_response_median_h"] == pytest.approx(1.5)
    assert stats["first_response_p90_h"] == pytest.approx(np.quantile([0.5, 1, 2, 4], 0.9))
    assert stats["answered_within_sla"] == 0.5
    empty = response_stats([], sla=1.0)
    assert empty["responses"] == 0.0
    assert math.isnan(empty["first_response_median_h"])
    assert math.isnan(empty["answered_within_sla"])


def test_the_share_within_the_sla_counts_ties_at_the_deadline_as_the_comparison_does():
    noise = np.random.default_rng(6).exponential(3.0, 997)
    hours = np.r_[np.full(11, 4.0), noise].tolist()
    stats = response_stats(hours, sla=4.0)
    assert stats["answered_within_sla"] == float(np.mean(np.asarray(hours) <= 4.0))
    assert stats["first_response_median_h"] == pytest.approx(np.quantile(hours, 0.5), rel=1e-12)
    assert response_stats([4.0], sla=4.0)["answered_within_sla"] == 1.0
    assert response_stats([4.0 + 1e-12], sla=4.0)["answered_within_sla"] == 0.0


def test_ledger_reset_clears_everything():
    ledger = Ledger(5)
    ledger.response(1.0)
    ledger.resolution_hours.append(3.0)
    ledger.resolved = ledger.routed = ledger.broken = ledger.abandoned = ledger.leads_closed = 2
    ledger.compensation = 10.0
    ledger.weigh(ledger.reply_weight, 2, 1.0)
    ledger.weigh(ledger.negative_weight, np.array([0, 4, 4]), np.array([0.5, 1.0, 2.0]))
    ledger.weigh(ledger.positive_weight, 1, 1.0)
    ledger.weigh(ledger.positive_weight, np.array([3]), 2.0)
    assert ledger.negative_weight[4] == 3.0  # repeated people add up
    assert list(ledger.people_touched()) == [0, 1, 2, 3, 4]
    ledger.reset()
    assert ledger.response_hours == [] and ledger.resolution_hours == []
    assert ledger.resolved == ledger.routed == ledger.broken == 0
    assert ledger.abandoned == ledger.leads_closed == 0
    assert ledger.compensation == 0.0
    for weights in (ledger.reply_weight, ledger.negative_weight, ledger.positive_weight):
        assert not weights.any()
    assert ledger.touched == []


def _book() -> PostBook:
    """Six posts with known handling."""
    book = PostBook()
    nan = np.nan
    book.extend(
        kind=np.array([COMPLAINT, COMPLAINT, QUESTION, MENTION, PRAISE, LEAD], dtype=np.int8),
        topic=np.array([0, 1, 0, 1, 0, 1], dtype=np.int8),
        author=np.arange(6),
        followers=np.array([10, 20, 30, 40, 50, 60]),
        platform=np.array([0, 1, 0, 1, 0, 1], dtype=np.int8),
        created=np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
        addressed=np.array([True, True, True, False, True, True]),
        negativity=np.array([0.7, 0.7, 0.1, 0.7, 0.0, 0.0]),
        first_response=np.array([0.5, 4.0, nan, 3.5, nan, 5.5]),
        routed_to=np.array([-1, 0, -1, -1, -1, 1], dtype=np.int8),
        resolved_at=np.array([nan, 10.0, nan, nan, nan, nan]),
        outcome=np.array(
            [
                OUTCOME["replied"],
                OUTCOME["resolved"],
                OUTCOME["pending"],
                OUTCOME["replied"],
                OUTCOME["unanswered"],
                OUTCOME["broken_promise"],
            ],
            dtype=np.int8,
        ),
    )
    return book


def _daily(days=3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "day": np.arange(1, days + 1),
            "customers": [100, 98, 97],
            "prospects": [50, 51, 51],
            "lapsed": [0, 2, 3],
            "churned": [0, 2, 1],
            "converted": [1, 0, 0],
            "loyalty_mean": [0.6, 0.61, 0.62],
            "loyalty_p10": [0.3, 0.3, 0.3],
            "loyalty_p90": [0.9, 0.9, 0.9],
            "nps_like": [0.1, 0.1, 0.2],
            "revenue": [100.0, 90.0, 80.0],
            "cost_to_serve": [10.0, 20.0, 30.0],
            "wages_hub": [5.0, 5.0, 5.0],
            "wages_spokes": [1.0, 0.0, 1.0],
            "backlog": [0, 1, 2],
            "reshares": [3, 0, 1],
            "defect_product": [1.0, 0.9, 0.8],
        }
    )


def test_inbound_excludes_mentions():
    book = _book()
    np.testing.assert_array_equal(inbound_mask(book), [True, True, True, False, True, True])


def test_summarise_on_a_known_run():
    book = _book()
    daily = _daily()
    s = summarise(daily, book, 100, 3, 1.0, 150, 0.0, 0.0003)
    assert s["days"] == 3.0
    assert s["customers_final"] == 97.0
    assert s["churned_total"] == 3.0
    assert s["churn_rate"] == pytest.approx(0.03)
    assert s["revenue_total"] == 270.0
    assert s["cost_to_serve_total"] == 60.0
    assert s["relationship_value_total"] == 210.0
    assert s["wages_total"] == 17.0
    assert s["posts_total"] == 6.0
    assert s["inbound_total"] == 5.0
    # inbound answered: posts 0 (0.5 h), 1 (3 h), 5 (0.5 h); 2 and 4 unanswered
    assert s["unanswered_share"] == pytest.approx(2 / 5)
    assert s["first_response_median_h"] == pytest.approx(0.5)
    assert s["sla_attainment"] == pytest.approx(2 / 5)
    assert s["complaints_total"] == 3.0  # two complaints and one negative mention
    assert s["negative_share"] == pytest.approx(3 / 6)
    assert s["resolved_total"] == 1.0
    # the routed lead (post 5) goes to sales and is not a resolution case
    assert s["spoke_resolution_rate"] == pytest.approx(1.0)
    assert s["spoke_resolution_median_h"] == pytest.approx(9.0)
    assert s["defect_product_final"] == 0.8
    assert s["loyalty_mean_final"] == 0.62
    assert s["reshare_reach_total"] == 4.0
    assert s["population_size"] == 150.0
    # CLV: margin m and retention r per customer-day, discounted (Gupta & Lehmann 2003)
    m = 270.0 / 295.0
    r = 1.0 - 3.0 / 295.0
    assert s["clv_estimate"] == pytest.approx(m * r / (1.0 + 0.0003 - r))
    assert all(isinstance(v, float) for v in s.values())


def test_summarise_without_posts_is_nan_not_error():
    s = summarise(_daily(), PostBook(), 0, 0, 1.0, 150, 0.0, 0.0003)
    assert math.isnan(s["churn_rate"])
    assert math.isnan(s["unanswered_share"])
    assert math.isnan(s["first_response_median_h"])
    assert math.isnan(s["negative_share"])
    assert math.isnan(s["spoke_resolution_rate"])


def test_post_log_has_one_row_per_post_and_readable_categories():
    book = _book()
    log = post_log(book, ["service", "product"], ["customer_service", "sales"], ["x", "facebook"])
    assert len(log) == 6
    for column in POST_COLUMNS:
        assert column in log.columns
    assert log["kind"].tolist() == [
        "complaint",
        "complaint",
        "question",
        "mention",
        "praise",
        "lead",
    ]
    assert set(log["kind"].cat.categories) == set(POST_KINDS)
    assert log["routed_to"].tolist()[1] == "customer_service"
    assert log["routed_to"].tolist()[5] == "sales"
    assert pd.isna(log["routed_to"].iloc[0])
    assert log["resolved"].tolist() == [False, True, False, False, False, False]
    assert log["outcome"].iloc[5] == "broken_promise"
    np.testing.assert_allclose(log["response_time_h"].iloc[[0, 1]], [0.5, 3.0])
    assert log["author_followers"].tolist() == [10, 20, 30, 40, 50, 60]


def test_summarise_without_churn_or_discount_does_not_raise():
    s = summarise(_daily().assign(churned=0), _book(), 100, 0, 1.0, 150, 0.0, 0.0)
    assert math.isinf(s["clv_estimate"]) or math.isnan(s["clv_estimate"])


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(0).beta(5, 3, 200_000),  # loyalty-like
        np.round(np.random.default_rng(1).random(120_000), 2),  # many ties
        np.r_[np.zeros(90_000), np.random.default_rng(2).random(500)],  # crowded at one value
        np.random.default_rng(3).normal(size=77_777),  # outside [0, 1], odd length
        np.full(60_000, 0.3),  # constant
        np.random.default_rng(4).exponential(2.0, 301),  # small
        np.array([5.0]),  # one value
        np.array([1.0, 3.0]),  # two: interpolated
    ],
)
def test_quantiles_equal_numpys(values):
    qs = (0.0, 0.1, 0.5, 0.9, 1.0)
    np.testing.assert_allclose(quantiles(values, qs), np.quantile(values, qs), rtol=1e-12)


@pytest.mark.parametrize("qs", [(0.1, 0.5, 0.9), (0.0, 0.1, 0.5, 0.9, 1.0), (0.5,), (0.9, 0.91)])
@pytest.mark.parametrize("always_select", [False, True])
def test_quantiles_by_selection_are_the_sorts_to_the_last_bit(qs, always_select, monkeypatch):
    """Nested partitions find the same order statistics as a sort, so the same quantiles
    (`always_select`: the small arrays too, which are otherwise sorted)."""
    from sim.engine import metrics
    from sim.engine.metrics import _SELECTION_FROM, quantiles_by_selection, quantiles_of_sorted

    if always_select:
        monkeypatch.setattr(metrics, "_SELECTION_FROM", 0)
    rng = np.random.default_rng(6)
    cases = [
        rng.beta(5, 3, 35_001),
        np.round(rng.random(20_000), 2),  # ties across the ranks wanted
        np.r_[np.zeros(9_000), rng.random(50)],
        np.full(1_000, 0.3),
        *(rng.random(n) for n in range(1, 40)),  # ranks that meet at the ends
        *(rng.random(n) for n in range(_SELECTION_FROM, _SELECTION_FROM + 5)),
    ]
    for values in cases:
        before = values.copy()
        expected = quantiles_of_sorted(np.sort(values), qs)
        assert quantiles_by_selection(values, qs) == expected, len(values)
        np.testing.assert_array_equal(values, before)  # the values are left as they were


def test_the_nps_counts_ties_at_the_cut_offs_as_the_comparisons_do():
    from sim.engine.metrics import DETRACTOR, PROMOTER, loyalty_stats

    noise = np.random.default_rng(5).random(988)
    values = np.r_[np.full(7, DETRACTOR), np.full(5, PROMOTER), noise]
    direct = (values >= PROMOTER).mean() - (values <= DETRACTOR).mean()
    assert loyalty_stats(values)["nps_like"] == direct
    assert loyalty_stats(np.array([PROMOTER]))["nps_like"] == 1.0
    assert loyalty_stats(np.array([DETRACTOR]))["nps_like"] == -1.0
