"""Confidence intervals: means, paired differences (common random numbers) and Welch."""

from __future__ import annotations

import math

import numpy as np

# Student's t from scipy.special, not scipy.stats: the same functions scipy.stats.t calls
# (the same values, tested), without scipy.stats' ~0.4 s import in every command and the app
from scipy.special import stdtr, stdtrit

LEVEL = 0.95


def t_quantile(df: float) -> float:
    """The t quantile of a two-sided 95 % interval with `df` degrees of freedom."""
    return float(stdtrit(df, 0.5 + LEVEL / 2.0)) if df > 0 else math.nan


def mean_ci(values: np.ndarray) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values, with a Student t interval."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, 1
    half = t_quantile(n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


# the natural range of bounded summary metrics: a share or a loyalty cannot leave [0, 1],
# the NPS-like score [-1, 1], a count or an hour cannot be negative
_UNIT = (0.0, 1.0)
BOUNDS: dict[str, tuple[float, float]] = {
    "churn_rate": _UNIT,
    "sla_attainment": _UNIT,
    "attack_reach": _UNIT,
    "loyalty_mean_final": _UNIT,
    "loyalty_p10_final": _UNIT,
    "loyalty_p90_final": _UNIT,
    "nps_like_final": (-1.0, 1.0),
    "spoke_resolution_rate": _UNIT,
}


def bounds_of(metric: str) -> tuple[float, float] | None:
    """The natural range of `metric`, or None where it has none (money, differences)."""
    if metric in BOUNDS:
        return BOUNDS[metric]
    if metric.endswith("_share"):
        return _UNIT
    if metric.endswith(("_total", "_final", "_h", "_days")) and not metric.startswith(
        ("relationship_value", "customer_equity", "recovery_net")
    ):
        return (0.0, math.inf)
    return None


def within_bounds(
    metric: str, low: float, high: float, difference: bool = False
) -> tuple[float, float]:
    """An interval cut at the metric's natural range (for a difference of two values in
    [a, b]: [a - b, b - a]), so that it never claims an impossible value; unchanged for
    metrics without one. A t interval of a share near 0 or 1 can cross the bound."""
    bounds = bounds_of(metric)
    if bounds is None:
        return low, high
    a, b = bounds
    if difference:
        a, b = a - b, b - a
    return max(low, a), min(high, b)


def _paired_differences(arm: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """arm - reference over the replications where both are finite."""
    a, b = np.asarray(arm, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(b)
    return a[both] - b[both]


def _two_sided_p(diff: float, se: float, df: float) -> float:
    """p of a t statistic diff / se; with no spread, 1 for no difference and 0 otherwise."""
    if se == 0:
        return 1.0 if diff == 0 else 0.0
    return float(2.0 * stdtr(df, -abs(diff) / se))


def paired_ci(arm: np.ndarray, reference: np.ndarray) -> tuple[float, float, float, int]:
    """Mean difference arm - reference over replications where both are finite."""
    return mean_ci(_paired_differences(arm, reference))


def _welch(arm: np.ndarray, reference: np.ndarray) -> tuple[float, float, float] | None:
    """(difference of means, its standard error, Welch-Satterthwaite degrees of freedom)
    over the finite values; None with fewer than two on either side."""
    a = np.asarray(arm, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    diff = float(a.mean() - b.mean())
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else math.inf
    return diff, se, df


def paired_test(arm: np.ndarray, reference: np.ndarray) -> float:
    """Two-sided p of the paired t-test that the mean difference arm - reference is zero,
    over replications where both are finite (NaN with fewer than two; with no spread, 1
    for a zero difference and 0 otherwise)."""
    d = _paired_differences(arm, reference)
    if len(d) < 2:
        return math.nan
    return _two_sided_p(float(d.mean()), float(d.std(ddof=1)) / math.sqrt(len(d)), len(d) - 1)


def welch_ci(arm: np.ndarray, reference: np.ndarray) -> tuple[float, float, float]:
    """Unpaired (Welch) interval for the difference of means, ignoring the pairing."""
    welch = _welch(arm, reference)
    if welch is None:
        return math.nan, math.nan, math.nan
    diff, se, df = welch
    if se == 0:
        return diff, diff, diff
    half = t_quantile(df) * se
    return diff, diff - half, diff + half


def welch_test(arm: np.ndarray, reference: np.ndarray) -> tuple[float, float, float, float]:
    """(difference, standard error, degrees of freedom, two-sided p) of Welch's t-test that
    two independent samples have the same mean. With no spread on either side, p is 1 for
    equal means and 0 otherwise."""
    welch = _welch(arm, reference)
    if welch is None:
        return math.nan, math.nan, math.nan, math.nan
    diff, se, df = welch
    return diff, se, df, _two_sided_p(diff, se, df)


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values (Holm 1979): reject those whose adjusted p
    is at most the family-wise level alpha, and the chance of any false rejection among
    true nulls stays at most alpha, however the tests depend on each other."""
    p = np.asarray(pvalues, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    m = len(p)
    scaled = np.minimum(1.0, p[order] * (m - np.arange(m)))
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted.tolist()


FEW_REPLICATIONS = 5  # below this a t interval rests on a guess of the spread


def few_replications_note(replications: int) -> str:
    """Why an interval from so few replications means little, and what to do."""
    return (
        f"note: {replications} replications: each interval rests on {replications - 1} "
        f"degree(s) of freedom (t = {t_quantile(replications - 1):.1f}), so it says little; "
        f"use {FEW_REPLICATIONS * 2} or more (replications=N) before reading differences"
    )
