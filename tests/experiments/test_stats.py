"""Confidence intervals against textbook values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.report.stats import holm, mean_ci, paired_ci, paired_test, welch_ci, welch_test


def test_mean_ci_is_the_t_interval() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    mean, low, high, n = mean_ci(x)
    half = stats.t.ppf(0.975, 4) * x.std(ddof=1) / math.sqrt(5)
    assert (mean, n) == (3.0, 5)
    assert low == pytest.approx(3.0 - half) and high == pytest.approx(3.0 + half)


def test_mean_ci_ignores_nan_and_handles_tiny_samples() -> None:
    assert mean_ci(np.array([np.nan, 2.0, 4.0]))[3] == 2
    mean, low, high, n = mean_ci(np.array([7.0]))
    assert mean == 7.0 and n == 1 and math.isnan(low) and math.isnan(high)
    assert mean_ci(np.array([]))[3] == 0


def test_pairing_removes_shared_noise() -> None:
    rng = np.random.default_rng(0)
    shared = rng.normal(0, 10, 30)  # common random numbers: the same noise in both arms
    a, b = shared + 1.0 + rng.normal(0, 0.1, 30), shared + rng.normal(0, 0.1, 30)
    diff, low, high, _ = paired_ci(a, b)
    _, u_low, u_high = welch_ci(a, b)
    assert low > 0 and (high - low) < 0.1 * (u_high - u_low)
    assert diff == pytest.approx(float(np.mean(a - b)))


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(1, 1, 12), rng.normal(0, 2, 20)
    diff, low, high = welch_ci(a, b)
    res = stats.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert (low, high) == pytest.approx((ci.low, ci.high))
    assert diff == pytest.approx(a.mean() - b.mean())


def test_intervals_of_bounded_metrics_stay_within_their_range() -> None:
    from sim.report.stats import bounds_of, within_bounds

    # a churn rate near 0: the t interval of (0, 0, 0.01) crosses 0
    _, low, high, _ = mean_ci(np.array([0.0, 0.0, 0.01]))
    assert low < 0
    assert within_bounds("churn_rate", low, high) == (0.0, high)
    assert within_bounds("unanswered_share", -0.2, 1.3) == (0.0, 1.0)
    assert within_bounds("nps_like_final", -1.4, 0.2) == (-1.0, 0.2)
    # a difference of two shares lies in [-1, 1]; of two counts, anywhere
    assert within_bounds("churn_rate", -1.5, 0.3, difference=True) == (-1.0, 0.3)
    assert within_bounds("complaints_total", -50.0, 20.0, difference=True) == (-50.0, 20.0)
    assert within_bounds("complaints_total", -50.0, 20.0) == (0.0, 20.0)
    # money has no bound, and an undefined interval stays undefined
    assert bounds_of("relationship_value_total") is None
    assert within_bounds("relationship_value_total", -5.0, 5.0) == (-5.0, 5.0)
    assert all(math.isnan(v) for v in within_bounds("churn_rate", math.nan, math.nan))


def test_welch_test_matches_scipy() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(0.3, 1, 6), rng.normal(0, 2, 9)
    diff, se, df, p = welch_test(a, b)
    res = stats.ttest_ind(a, b, equal_var=False)
    assert diff / se == pytest.approx(res.statistic)
    assert p == pytest.approx(res.pvalue)
    assert df == pytest.approx(res.df)


def test_welch_test_without_spread() -> None:
    assert welch_test(np.zeros(4), np.zeros(3))[3] == 1.0
    assert welch_test(np.zeros(4), np.ones(3))[3] == 0.0
    assert math.isnan(welch_test(np.zeros(1), np.zeros(3))[3])


def test_holm_by_hand() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 -> kept rising
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_holm_keeps_the_family_wise_rate() -> None:
    """Eight true nulls (independent uniform p-values): the chance that any is rejected at
    alpha = 0.05 is that of Holm's first step, 1 - (1 - 0.05 / 8) ** 8 = 0.0489. Over
    4,000 families the rate is within three binomial standard errors of it; without the
    adjustment it would be 1 - 0.95 ** 8 = 0.34."""
    rng = np.random.default_rng(3)
    families, metrics, alpha = 4000, 8, 0.05
    flagged = sum(min(holm(rng.random(metrics).tolist())) <= alpha for _ in range(families))
    expected = 1 - (1 - alpha / metrics) ** metrics
    se = math.sqrt(expected * (1 - expected) / families)
    assert abs(flagged / families - expected) <= 3 * se


def test_paired_test_matches_scipy() -> None:
    rng = np.random.default_rng(4)
    shared = rng.normal(0, 5, 9)
    a, b = shared + rng.normal(0.4, 1, 9), shared + rng.normal(0, 1, 9)
    a[3] = np.nan  # that replication is left out of both
    both = ~np.isnan(a)
    assert paired_test(a, b) == pytest.approx(stats.ttest_rel(a[both], b[both]).pvalue)
    assert paired_test(np.ones(3), np.ones(3)) == 1.0
    assert paired_test(np.ones(3), np.zeros(3)) == 0.0
    assert math.isnan(paired_test(np.ones(1), np.ones(1)))


@pytest.mark.parametrize("df", [1, 2, 3.7, 9, 30, 151.25, 1e5])
def test_the_t_functions_are_scipy_stats_ones(df) -> None:
    """t quantiles and two-sided p come from scipy.special (a lighter import than
    scipy.stats): the same values as scipy.stats.t, Welch's fractional df included."""
    from sim.report.stats import _two_sided_p, t_quantile

    assert t_quantile(df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-12)
    for statistic in (0.0, 0.3, 1.96, -2.5, 8.0, 40.0):
        expected = 2.0 * stats.t.sf(abs(statistic), df)
        assert _two_sided_p(statistic, 1.0, df) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert math.isnan(t_quantile(0))
