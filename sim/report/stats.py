"""Confidence intervals: means, paired differences (common random numbers) and Welch."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

LEVEL = 0.95


def t_quantile(df: float) -> float:
    """The t quantile of a two-sided 95 % interval with `df` degrees of freedom."""
    return float(stats.t.ppf(0.5 + LEVEL / 2.0, df)) if df > 0 else math.nan


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


def paired_ci(arm: np.ndarray, reference: np.ndarray) -> tuple[float, float, float, int]:
    """Mean difference arm - reference over replications where both are finite."""
    a, b = np.asarray(arm, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(b)
    return mean_ci(a[both] - b[both])


def welch_ci(arm: np.ndarray, reference: np.ndarray) -> tuple[float, float, float]:
    """Unpaired (Welch) interval for the difference of means, ignoring the pairing."""
    a = np.asarray(arm, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    diff = float(a.mean() - b.mean())
    if se == 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = t_quantile(df) * se
    return diff, diff - half, diff + half
