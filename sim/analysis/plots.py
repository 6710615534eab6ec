"""PNG plots of a comparison: metric means with CIs per arm, daily bands per arm."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sim.plots import _save

if TYPE_CHECKING:
    from sim.analysis.comparison import Comparison


def plot_comparison(comparison: Comparison, out: Path) -> list[Path]:
    paths = [_metric_bars(comparison, out / "metrics_ci.png")]
    for column, label in (("loyalty_mean", "customers' mean loyalty"), ("backlog", "hub backlog")):
        if column in comparison.daily.columns:
            paths.append(_daily_bands(comparison, column, label, out / f"daily_{column}.png"))
    return paths


def _metric_bars(comparison: Comparison, path: Path) -> Path:
    table = comparison.table.set_index(["metric", "arm"])
    metrics = [m for m in comparison.metrics if m in table.index.get_level_values(0)]
    cols = 3
    rows = math.ceil(len(metrics) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), squeeze=False)
    arms = list(comparison.arms)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        means = np.array([table.loc[(metric, a), "mean"] for a in arms], dtype=float)
        low = np.array([table.loc[(metric, a), "ci_low"] for a in arms], dtype=float)
        high = np.array([table.loc[(metric, a), "ci_high"] for a in arms], dtype=float)
        err = np.vstack([means - low, high - means])
        err = np.where(np.isfinite(err), err, 0.0)
        colors = ["tab:gray" if a == comparison.reference else "tab:blue" for a in arms]
        ax.bar(range(len(arms)), np.nan_to_num(means), yerr=err, color=colors, capsize=3)
        ax.set_xticks(range(len(arms)), arms, rotation=30, ha="right", fontsize=8)
        ax.set_title(metric, fontsize=9)
        finite = np.concatenate([low[np.isfinite(low)], high[np.isfinite(high)]])
        if len(finite) and finite.min() > 0 and finite.max() / max(finite.min(), 1e-12) < 1.5:
            pad = (finite.max() - finite.min()) * 0.5 or finite.max() * 0.01
            ax.set_ylim(finite.min() - pad, finite.max() + pad)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(f"{comparison.scenario}: mean and 95% CI per arm (grey: reference)")
    _save(fig, path)
    return path


def _daily_bands(comparison: Comparison, column: str, label: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7.5, 4))
    daily = comparison.daily
    for arm in comparison.arms:
        sub = daily[daily["arm"] == arm].groupby("day")[column]
        mean, sd, n = sub.mean(), sub.std(ddof=1), sub.count()
        half = 1.96 * sd / np.sqrt(n)
        ax.plot(mean.index, mean.values, label=arm)
        ax.fill_between(mean.index, (mean - half).values, (mean + half).values, alpha=0.2)
    ax.set(xlabel="day", ylabel=label, title=f"{comparison.scenario}: {label} per arm (95% band)")
    ax.legend(fontsize=8)
    _save(fig, path)
    return path
