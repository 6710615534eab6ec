"""Every PNG hubspoke writes: runs, comparisons, staffing, sensitivity, calibration.

Every time plot marks the scenario's events (attack launch, defect shocks,
seasonal peaks) and keeps its legend outside the plotting area, so nothing
hides the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report.currency import USD, Currency, compact
from sim.report.headline import MONEY_METRICS, is_share
from sim.report.io import atomic_write

if TYPE_CHECKING:
    from sim.experiments.comparison import Comparison

PLOT_FILES = (
    "loyalty.png",
    "customers_churn.png",
    "relationship_value.png",
    "response_backlog.png",
    "posts.png",
    "dashboard.png",
)


def people_axis(axis) -> None:
    """Counts of people as 4.50M, 120k, 950: no offset like 1e6 above the axis."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(
        FuncFormatter(lambda x, _pos: ("-" if x < 0 else "") + compact(abs(x)))
    )


@dataclass(frozen=True)
class Event:
    """Something that happens in a scenario: a day (and for a season, a length)."""

    day: float
    label: str
    days: float = 0.0


def scenario_events(config) -> list[Event]:
    """The events of a config worth marking on a time axis."""
    events = []
    if config.attack.enabled and config.attack.start_day < config.days:
        truth = "true" if config.attack.is_true else "false"
        events.append(Event(config.attack.start_day, f"attack ({truth})"))
    for shock in config.events.defects:
        events.append(Event(shock.start_day, f"{shock.topic} defect x{shock.multiplier:g}"))
    for peak in config.events.seasons:
        events.append(Event(peak.start_day, f"peak x{peak.multiplier:g}", peak.days))
    return events


def crisis_events(config, summary) -> list[Event]:
    """The run's crisis moments (from its summary): the crisis declared, the statement."""
    from sim.engine.clock import HOURS_PER_DAY
    from sim.engine.strategy import effective_stance

    events = []
    detected = summary.get("attack_detected_h", math.nan)
    responded = summary.get("attack_responded_h", math.nan)
    if detected == detected:  # not NaN: the team noticed and declared a crisis
        events.append(Event(detected / HOURS_PER_DAY, "crisis declared"))
    if responded == responded:
        stance = effective_stance(config.strategy.crisis.stance, config.attack.is_true)
        events.append(Event(responded / HOURS_PER_DAY, f"statement: {stance}"))
    return events


def mark_events(ax, events: Sequence[Event]) -> None:
    """Dashed lines (and spans for events that last) with their labels, on a time axis;
    labels step down the plot so that events on nearby days stay readable."""
    for row, event in enumerate(sorted(events, key=lambda e: e.day)):
        if event.days > 0:
            ax.axvspan(event.day, event.day + event.days, color="tab:orange", alpha=0.08)
        ax.axvline(event.day, color="tab:red", linewidth=0.8, linestyle="--")
        ax.annotate(
            event.label,
            (event.day, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12 - 9 * (row % 3)),
            textcoords="offset points",
            fontsize=7,
            color="tab:red",
        )


def legend_below(ax, handles=None, labels=None, columns: int = 4) -> None:
    """The legend under the axes, off the data."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=columns,
        fontsize=8,
        frameon=False,
    )


def _handles(*axes) -> tuple[list, list]:
    """Legend entries of twin axes, in one list."""
    handles, labels = [], []
    for ax in axes:
        more_handles, more_labels = ax.get_legend_handles_labels()
        handles += more_handles
        labels += more_labels
    return handles, labels


def decorate(ax, events: Sequence[Event], *twins, columns: int = 4) -> None:
    """Mark the events on a time plot and put the legend of `ax` and its twins below the data."""
    mark_events(ax, events)
    handles, labels = _handles(ax, *twins)
    if handles:
        legend_below(ax, handles, labels, columns=columns)


def say_if_nobody_answers(ax, daily: pd.DataFrame) -> None:
    """A response-time plot with no reply at all says why it is empty."""
    if daily["first_response_median_h"].isna().all():
        ax.text(0.5, 0.5, "nobody answers under this strategy", transform=ax.transAxes,
                ha="center")  # fmt: skip


def _finish(fig, path: Path, events: Sequence[Event], ax, *twins, columns: int = 4) -> Path:
    """Decorate a time plot (events, legend below) and save it."""
    decorate(ax, events, *twins, columns=columns)
    _save(fig, path)
    return path


def _save(fig, path: Path, rect: tuple[float, float, float, float] | None = None) -> None:
    fig.tight_layout(rect=rect)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def plot_run(
    daily: pd.DataFrame,
    out: Path,
    title: str = "",
    events: Sequence[Event] = (),
    currency: Currency = USD,
) -> list[Path]:
    """Five PNGs: loyalty, customers and churn, money, response time and backlog, posts."""
    day = daily["day"]
    paths = []

    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.fill_between(day, daily["loyalty_p10"], daily["loyalty_p90"], alpha=0.25, label="p10-p90")
    ax.plot(day, daily["loyalty_mean"], label="mean")
    ax.plot(day, daily["nps_like"], "--", label="NPS-like (promoters - detractors)")
    ax.set(xlabel="day", ylabel="loyalty of customers (0-1)", title=f"Loyalty — {title}")
    paths.append(_finish(fig, out / "loyalty.png", events, ax))

    fig, ax = plt.subplots(figsize=(7, 4.4))
    for col in ("customers", "prospects", "lapsed", "competitor"):
        if col in daily:
            ax.plot(day, daily[col], label=col)
    ax2 = ax.twinx()
    # stepped areas, not a bar a day: a year of bars is thousands of patches to draw
    ax2.fill_between(
        day, daily["churned"], step="mid", color="tab:red", alpha=0.3, label="churned per day"
    )
    ax2.set_ylabel("churned (people per day)")
    ax.set(xlabel="day", ylabel="people", title=f"Customers and churn — {title}")
    people_axis(ax.yaxis)
    people_axis(ax2.yaxis)
    paths.append(_finish(fig, out / "customers_churn.png", events, ax, ax2, columns=5))

    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.plot(day, daily["revenue"].cumsum(), label="revenue")
    ax.plot(day, daily["cost_to_serve"].cumsum(), label="cost to serve")
    ax.plot(day, daily["relationship_value"].cumsum(), label="relationship value")
    ax.set(xlabel="day", ylabel=currency.label("cumulative since day 0"), title=f"Money — {title}")
    ax.yaxis.set_major_formatter(currency.formatter)
    paths.append(_finish(fig, out / "relationship_value.png", events, ax, columns=3))

    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.plot(day, daily["first_response_median_h"], label="median first response")
    ax.plot(day, daily["first_response_p90_h"], label="p90 first response")
    ax.set(xlabel="day", ylabel="first response (h)", title=f"Response time and backlog — {title}")
    say_if_nobody_answers(ax, daily)
    ax2 = ax.twinx()
    ax2.plot(day, daily["backlog"], color="tab:gray", linestyle=":", label="hub backlog")
    if "spoke_backlog" in daily:
        ax2.plot(
            day, daily["spoke_backlog"], color="tab:brown", linestyle="-.", label="spoke backlog"
        )
    ax2.set_ylabel("posts waiting at the end of the day")
    paths.append(_finish(fig, out / "response_backlog.png", events, ax, ax2))

    fig, ax = plt.subplots(figsize=(7, 4.4))
    kinds = [c for c in daily.columns if c.startswith("posts_")]
    ax.stackplot(
        day, *[daily[c].fillna(0) for c in kinds], step="mid",
        labels=[c.removeprefix("posts_") for c in kinds],
    )  # fmt: skip
    ax2 = ax.twinx()
    ax2.plot(day, daily["negative_share"], color="black", label="negative share")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("negative share of posts (0-1)")
    ax.set(xlabel="day", ylabel="posts per day", title=f"Posts by kind — {title}")
    paths.append(_finish(fig, out / "posts.png", events, ax, ax2, columns=7))
    return paths


def plot_dashboard(
    daily: pd.DataFrame,
    path: Path,
    title: str,
    events: Sequence[Event],
    headline: Sequence[tuple[str, str]],
    currency: Currency = USD,
) -> Path:
    """The run's story on one page: five panels over the days, every event marked, and the
    headline (metric, reading) beside them."""
    day = daily["day"]
    fig = plt.figure(figsize=(18, 9))
    grid = fig.add_gridspec(2, 3, hspace=0.55, wspace=0.55)
    fig.suptitle(title, fontsize=13)

    ax = fig.add_subplot(grid[0, 0])
    ax.fill_between(day, daily["loyalty_p10"], daily["loyalty_p90"], alpha=0.25, label="p10-p90")
    ax.plot(day, daily["loyalty_mean"], label="mean")
    ax.plot(day, daily["nps_like"], "--", label="NPS-like")
    ax.set(xlabel="day", ylabel="loyalty (0-1) / NPS-like (-1 to +1)", title="Loyalty")
    decorate(ax, events, columns=3)

    ax = fig.add_subplot(grid[0, 1])
    ax.plot(day, daily["customers"], label="customers")
    ax.set(xlabel="day", ylabel="people", title="Customers and churn")
    ax2 = ax.twinx()
    ax2.fill_between(day, daily["churned"], step="mid", color="tab:red", alpha=0.3,
                     label="churned a day")  # fmt: skip
    ax2.set_ylabel("churned (people a day)")
    people_axis(ax.yaxis)
    people_axis(ax2.yaxis)
    decorate(ax, events, ax2, columns=2)

    ax = fig.add_subplot(grid[0, 2])
    ax.plot(day, daily["revenue"].cumsum(), label="revenue")
    ax.plot(day, daily["cost_to_serve"].cumsum(), label="cost to serve")
    ax.plot(day, daily["relationship_value"].cumsum(), label="relationship value")
    ax.set(xlabel="day", ylabel=currency.label("cumulative since day 0"), title="Money")
    ax.yaxis.set_major_formatter(currency.formatter)
    decorate(ax, events, columns=3)

    ax = fig.add_subplot(grid[1, 0])
    ax.fill_between(day, daily["backlog"], step="mid", color="tab:gray", alpha=0.5,
                    label="backlog")  # fmt: skip
    ax.set(xlabel="day", ylabel="posts waiting at the end of the day", title="The hub's queue")
    ax2 = ax.twinx()
    ax2.plot(day, daily["first_response_median_h"], color="tab:blue", label="median first reply")
    ax2.set_ylabel("first response (h)")
    say_if_nobody_answers(ax, daily)
    decorate(ax, events, ax2, columns=2)

    ax = fig.add_subplot(grid[1, 1])
    if "attack_aware_share" in daily and daily["attack_aware_share"].max() > 0:
        ax.plot(day, 100 * daily["attack_aware_share"], color="tab:purple", label="heard it")
        ax.set(ylabel="heard the accusation (% of people)", title="The accusation")
    else:
        kinds = [c for c in daily.columns if c.startswith("posts_")]
        ax.stackplot(day, *[daily[c].fillna(0) for c in kinds], step="mid",
                     labels=[c.removeprefix("posts_") for c in kinds])  # fmt: skip
        ax.set(ylabel="posts a day", title="Inbound posts by kind")
    ax.set_xlabel("day")
    decorate(ax, events, columns=3)

    ax = fig.add_subplot(grid[1, 2])
    ax.axis("off")
    ax.set_title("The headline", loc="left")
    text = "\n".join(f"{key}: {value}" for key, value in headline)
    ax.text(0.0, 1.0, text, va="top", ha="left", fontsize=8.5, family="monospace",
            transform=ax.transAxes, wrap=True)  # fmt: skip
    atomic_write(path, lambda p: fig.savefig(p, dpi=90, format="png", bbox_inches="tight"))
    plt.close(fig)
    return path


# ---------------------------------------------------------------- experiments


# the daily columns a comparison shows as bands across replications, with their axis labels
DAILY_BANDS = (
    ("loyalty_mean", "customers' mean loyalty (0-1)"),
    ("customers", "customers (people)"),
    ("backlog", "hub backlog (posts waiting at the day's end)"),
)
# ... and as paired differences with the reference arm
DAILY_DIFFERENCES = ("loyalty_mean", "customers")


def plot_comparison(comparison: Comparison, out: Path) -> list[Path]:
    paths = [_metric_bars(comparison, out / "metrics_ci.png")]
    config = _arm_config(comparison)
    events = scenario_events(config) if config is not None else []
    for column, label in DAILY_BANDS:
        if column not in comparison.daily.columns:
            continue
        path = out / f"daily_{column}.png"
        paths.append(_daily_plot(comparison, column, label, path, events, paired=False))
        if column in DAILY_DIFFERENCES and len(comparison.arms) > 1:
            path = out / f"daily_{column}_difference.png"
            paths.append(_daily_plot(comparison, column, label, path, events, paired=True))
    return paths


def _metric_bars(comparison: Comparison, path: Path) -> Path:
    table = comparison.table.set_index(["metric", "arm"])
    metrics = [m for m in comparison.metrics if m in table.index.get_level_values(0)]
    cols = 3
    rows = math.ceil(len(metrics) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), squeeze=False)
    arms = list(comparison.arms)
    currency = Currency(comparison.currency)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        means = np.array([table.loc[(metric, a), "mean"] for a in arms], dtype=float)
        low = np.array([table.loc[(metric, a), "ci_low"] for a in arms], dtype=float)
        high = np.array([table.loc[(metric, a), "ci_high"] for a in arms], dtype=float)
        ax.set_title(metric, fontsize=9)
        ax.set_xticks(range(len(arms)), arms, rotation=30, ha="right", fontsize=8)
        if not np.isfinite(means).any():
            ax.text(0.5, 0.5, "undefined in every run (n/a)", transform=ax.transAxes,
                    ha="center", fontsize=8)  # fmt: skip
            ax.set_yticks([])
            continue
        err = np.vstack([means - low, high - means])
        err = np.where(np.isfinite(err), err, 0.0)
        colors = ["tab:gray" if a == comparison.reference else "tab:blue" for a in arms]
        ax.bar(range(len(arms)), np.nan_to_num(means), yerr=err, color=colors, capsize=3)
        metric_axis(ax.yaxis, metric, currency)
        ax.yaxis.label.set_fontsize(7)
        finite = np.concatenate([low[np.isfinite(low)], high[np.isfinite(high)]])
        if len(finite) and finite.min() > 0 and finite.max() / max(finite.min(), 1e-12) < 1.5:
            pad = (finite.max() - finite.min()) * 0.5 or finite.max() * 0.01
            ax.set_ylim(finite.min() - pad, finite.max() + pad)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(f"{comparison.scenario}: mean and 95% CI per arm (grey: reference)")
    _save(fig, path)
    return path


def _daily_plot(
    comparison: Comparison,
    column: str,
    label: str,
    path: Path,
    events: Sequence[Event],
    paired: bool,
) -> Path:
    """Each arm's daily mean over the replications with its 95 % band (t interval); or,
    `paired`, each arm minus the reference on the same seeds, whose bands are far
    narrower than the arms' own (the seeds' own luck cancels)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    for arm, mean, low, high in _daily_intervals(comparison, column, paired):
        ax.plot(mean.index, mean.values, label=arm)
        ax.fill_between(mean.index, low.values, high.values, alpha=0.2)
    if paired:
        reference = comparison.reference
        ax.axhline(0.0, color="black", linewidth=0.6)
        label = f"{label}, arm - {reference}"
        title = f"{comparison.scenario}: paired difference with {reference} (95% band)"
    else:
        replications = int(comparison.runs["replication"].nunique())
        title = f"{comparison.scenario}: per arm, mean of {replications} replications (95% band)"
    ax.set(xlabel="day", ylabel=label, title=title)
    if column == "customers":
        people_axis(ax.yaxis)
    _finish(fig, path, events, ax)
    return path


def _daily_intervals(comparison: Comparison, column: str, paired: bool):
    """(arm, mean, low, high) per day over the replications: of the arm's own values, or
    (paired) of its difference with the reference arm on the same replication."""
    from sim.report.stats import t_quantile

    wide = comparison.daily.pivot_table(
        index=["day", "replication"], columns="arm", values=column, aggfunc="first"
    )
    for arm in comparison.arms:
        if paired and arm == comparison.reference:
            continue
        values = wide[arm] - wide[comparison.reference] if paired else wide[arm]
        by_day = values.groupby(level="day")
        mean, sd, n = by_day.mean(), by_day.std(ddof=1), by_day.count()
        half = (n - 1).map(lambda df: t_quantile(df) if df >= 1 else np.nan) * sd / np.sqrt(n)
        yield arm, mean, mean - half, mean + half


def _arm_config(comparison: Comparison):
    """The reference arm's config, for the scenario's events (None if it no longer loads)."""
    from sim.config import ConfigError, load_config

    try:
        return load_config(
            comparison.scenario, [*comparison.overrides, *comparison.arms[comparison.reference]]
        )
    except ConfigError:
        return None


def plot_tradeoffs(
    points, parameters, recommended, out: Path, currency: Currency = USD, targets=None
) -> list[Path]:
    """Cost to serve against relationship value / equity and against p90 first response;
    a target (metric -> staffing.Target) on a plotted metric is drawn as a line."""
    targets = targets or {}
    paths = []
    series = _series(points, parameters)
    for y, label, name in (
        (
            "relationship_value_total",
            currency.label("relationship value over the run"),
            "tradeoff_value.png",
        ),
        (
            "relationship_value_horizon",
            currency.label("relationship value to the horizon, discounted"),
            "tradeoff_value_horizon.png",
        ),
        (
            "customer_equity_final",
            currency.label("customer equity at the end"),
            "tradeoff_equity.png",
        ),
        ("first_response_p90_h", "first response p90 (h)", "tradeoff_response.png"),
    ):
        fig, ax = plt.subplots(figsize=(7, 4.8))
        for label_series, frame in series:
            x = frame["cost_to_serve_total"].to_numpy(dtype=float)
            mid = frame[y].to_numpy(dtype=float)
            err = np.vstack([mid - frame[f"{y}_low"], frame[f"{y}_high"] - mid])
            ax.errorbar(x, mid, yerr=np.nan_to_num(err), marker="o", capsize=3, label=label_series)
            for xi, yi, staff in zip(x, mid, frame[parameters[0]], strict=True):
                ax.annotate(
                    f"{staff:g}", (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8
                )
        if recommended is not None:
            ax.scatter(
                [recommended["cost_to_serve_total"]],
                [recommended[y]],
                s=160,
                facecolors="none",
                edgecolors="red",
                label="recommended",
                zorder=5,
            )
        if y in targets:
            target = targets[y]
            ax.axhline(
                target.value, color="tab:red", linestyle="--", linewidth=1,
                label=f"target: {target.direction.replace('_', ' ')} {target.value:g}",
            )  # fmt: skip
        ax.set(
            xlabel=currency.label("cost to serve over the run"),
            ylabel=label,
            title=f"Trade-off (point labels: {parameters[0]})",
        )
        ax.xaxis.set_major_formatter(currency.formatter)
        if y in MONEY_METRICS:
            ax.yaxis.set_major_formatter(currency.formatter)
        legend_below(ax, columns=3)
        paths.append(out / name)
        _save(fig, paths[-1])
    return paths


def _series(points, parameters):
    if len(parameters) == 1:
        return [("hub staff", points.sort_values(parameters[0]))]
    others = parameters[1:]
    out = []
    for key, frame in points.groupby(others):
        key = key if isinstance(key, tuple) else (key,)
        name = ", ".join(f"{k.split('.')[-1]}={v:g}" for k, v in zip(others, key, strict=True))
        out.append((name, frame.sort_values(parameters[0])))
    return out


def plot_sensitivity(result, path: Path) -> Path:
    """Ranked bars: Morris mu* (with CI) or Sobol ST and S1 (with CIs)."""
    table = result.table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.5))
    y = np.arange(len(table))
    if result.method == "morris":
        ax.barh(y, table["mu_star"], xerr=table["mu_star_conf"], capsize=3)
        ax.set_xlabel("Morris mu* (mean absolute elementary effect)")
    else:
        ax.barh(y + 0.2, table["ST"], height=0.4, xerr=table["ST_conf"], capsize=3, label="ST")
        ax.barh(y - 0.2, table["S1"], height=0.4, xerr=table["S1_conf"], capsize=3, label="S1")
        ax.set_xlabel("Sobol index")
        ax.legend()
    ax.set_yticks(y, table["parameter"], fontsize=8)
    ax.set_title(f"{result.method}: {result.output}")
    _save(fig, path)
    return path


def plot_calibration(calibration, out: Path, threshold: float = 3.0) -> list[Path]:
    """targets.png: each target's miss in combined sds (met within `threshold`); parameters.png:
    the marginals of the evaluated and plausible points."""
    table = calibration.table
    paths = []
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.6))
    scale = np.sqrt(
        table["sd"] ** 2 + ((table["model_ci_high"] - table["model_ci_low"]) / 3.92) ** 2
    )
    z = (table["model_mean"] - table["observed"]) / scale
    low = (table["model_ci_low"] - table["observed"]) / scale
    high = (table["model_ci_high"] - table["observed"]) / scale
    rows = np.arange(len(table))
    ax.axvspan(-threshold, threshold, color="tab:green", alpha=0.12)
    ax.axvline(0.0, color="black", linewidth=0.8)
    colours = ["tab:blue" if ok else "tab:red" for ok in table["ok"]]
    ax.errorbar(
        z, rows, xerr=[z - low, high - z], fmt="none", ecolor="gray", capsize=3, linewidth=1
    )
    ax.scatter(z, rows, c=colours, zorder=3)
    ax.set_yticks(rows, table["target"])
    ax.invert_yaxis()
    ax.set(
        xlabel="model − observed (combined sd); green: within ±3 sd",
        title=f"Targets '{calibration.targets.name}': model mean and 95% CI",
    )
    paths.append(out / "targets.png")
    _save(fig, paths[-1])
    if calibration.parameters:
        from sim.config.paramdoc import all_rows

        units = {row.key: row.unit for row in all_rows()}
        keys = list(calibration.parameters)
        columns = min(3, len(keys))
        rows_n = math.ceil(len(keys) / columns)
        fig, axes = plt.subplots(
            rows_n, columns, figsize=(3.4 * columns, 2.9 * rows_n + 0.6), squeeze=False
        )
        for ax in axes.flat[len(keys) :]:
            ax.set_visible(False)
        for ax, key in zip(axes.flat, keys, strict=False):
            low, high = calibration.parameters[key]
            bins = np.linspace(low, high, 16)
            ax.hist(
                calibration.points[key], bins=bins, color="tab:gray", alpha=0.5, label="evaluated"
            )
            if len(calibration.plausible):
                ax.hist(calibration.plausible[key], bins=bins, color="tab:blue", label="plausible")
            ax.axvline(calibration.best[key], color="tab:red", label="best")
            ax.set_xlabel(f"{key} ({units.get(key) or 'dimensionless'})", fontsize=8)
            ax.set_ylabel("design points")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper center", ncol=3, frameon=False)
        paths.append(out / "parameters.png")
        _save(fig, paths[-1], rect=(0, 0, 1, 0.92))
    return paths


# ---------------------------------------------------------------- sweeps
def metric_axis(axis, metric: str, currency: Currency = USD) -> None:
    """Label a summary metric's axis with its unit, and format its ticks: money in the
    currency, shares as percentages, hours as hours."""
    from matplotlib.ticker import PercentFormatter

    if metric in MONEY_METRICS:
        axis.set_major_formatter(currency.formatter)
        axis.set_label_text(currency.label(metric))
    elif is_share(metric):
        axis.set_major_formatter(PercentFormatter(1.0))
        axis.set_label_text(f"{metric} (%)")
    elif metric.endswith("_h"):
        axis.set_label_text(f"{metric} (hours)")
    elif metric.endswith("_days"):
        axis.set_label_text(f"{metric} (days)")
    else:
        axis.set_label_text(metric)


SWEEP_LINES = 6  # more levels of the second parameter than this: points, not lines


def plot_sweep(
    points: pd.DataFrame,
    parameters: Sequence[str],
    metrics: Sequence[str],
    out: Path,
    currency: Currency = USD,
) -> list[Path]:
    """A metric's mean and 95 % interval at each design point, against the first swept
    parameter; a line for each level of the second (a grid), or points (a sample)."""
    paths = []
    if not parameters or points.empty:
        return paths
    x_key = parameters[0]
    series_key = parameters[1] if len(parameters) > 1 else None
    groups = [(None, points)]
    if series_key is not None and points[series_key].nunique() <= SWEEP_LINES:
        groups = list(points.groupby(series_key, sort=True))
    numeric = pd.api.types.is_numeric_dtype(points[x_key])
    levels = sorted(points[x_key].unique()) if not numeric else None
    for metric in metrics:
        if metric not in points:
            continue
        fig, ax = plt.subplots(figsize=(7, 4.6))
        for level, frame in groups:
            frame = frame.sort_values(x_key)
            x = frame[x_key] if numeric else frame[x_key].map(levels.index)
            mid = frame[metric].to_numpy(dtype=float)
            err = np.vstack([mid - frame[f"{metric}_low"], frame[f"{metric}_high"] - mid])
            label = "mean and 95 % interval" if level is None else f"{series_key}={level}"
            ax.errorbar(
                x, mid, yerr=np.nan_to_num(err), marker="o", capsize=3, label=label,
                linestyle="-" if frame[x_key].nunique() <= 12 else "none",
            )  # fmt: skip
        if not numeric:
            ax.set_xticks(range(len(levels)), [str(v) for v in levels], rotation=20)
        ax.set(xlabel=x_key, title=f"{metric} across the sweep")
        metric_axis(ax.yaxis, metric, currency)
        legend_below(ax, columns=3)
        paths.append(out / f"sweep_{metric}.png")
        _save(fig, paths[-1])
    return paths


# ---------------------------------------------------------------- scenario discovery
def plot_discovery(discovery, out: Path) -> list[Path]:
    """PRIM's peeling trajectory (coverage against density, the chosen point ringed) and
    each box's restricted keys as bars over their whole swept range."""
    paths = []
    if discovery.boxes and discovery.boxes[0].trajectory:
        fig, ax = plt.subplots(figsize=(6.5, 4.8))
        for i, box in enumerate(discovery.boxes, start=1):
            points = pd.DataFrame(box.trajectory)
            shown = ax.scatter(points["coverage"], points["density"], c=points["res_dim"],
                               cmap="viridis", s=18, label=f"box {i} peeling")  # fmt: skip
            ax.scatter([box.coverage], [box.density], s=160, facecolors="none",
                       edgecolors="red", label=f"box {i} chosen")  # fmt: skip
        bar = fig.colorbar(shown, ax=ax, label="keys restricted (count)")
        most = int(max(max(p["res_dim"] for p in b.trajectory) for b in discovery.boxes))
        bar.set_ticks(range(most + 1))
        ax.set(
            xlabel="coverage (share of the runs of interest in the box)",
            ylabel="density (share of the box's runs of interest)",
            xlim=(0, 1.02),
            ylim=(0, 1.02),
            title=f"PRIM trade-off: {discovery.outcome} {discovery.direction} threshold",
        )
        ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
        legend_below(ax, columns=2)
        paths.append(out / "discovery_tradeoff.png")
        _save(fig, paths[-1])
    rows = [(i, key) for i, box in enumerate(discovery.boxes, 1) for key in box.restricted]
    if rows:
        fig, ax = plt.subplots(figsize=(10, 0.55 * len(rows) + 1.6))
        for y, (i, key) in enumerate(rows):
            low, high = discovery.ranges[key]
            box_low, box_high = discovery.boxes[i - 1].limits[key]
            span = (high - low) or 1.0
            ax.barh(y, 1.0, left=0.0, color="lightgray")
            ax.barh(y, (box_high - box_low) / span, left=(box_low - low) / span, color="tab:blue")
            ax.text(1.02, y, f"{box_low:,.3g} to {box_high:,.3g} (of {low:,.3g} to {high:,.3g})",
                    va="center", fontsize=8)  # fmt: skip
        ax.set_yticks(range(len(rows)), [f"box {i}: {key}" for i, key in rows], fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xlabel("position in the key's swept range (0 = lowest, 1 = highest)")
        ax.set_title(f"Where {discovery.outcome} is {discovery.direction} the threshold")
        ax.invert_yaxis()
        fig.subplots_adjust(left=0.3, right=0.68, bottom=0.9 / (0.55 * len(rows) + 1.6))
        paths.append(out / "discovery_boxes.png")
        atomic_write(paths[-1], lambda p: fig.savefig(p, dpi=110, format="png"))
        plt.close(fig)
    return paths


def _week_image(ax, values: np.ndarray, cmap: str, top: float, xlabel: str):
    """A 7 x 24 table (weekday rows, Monday first; local hours) as an image; grey where NaN."""
    from sim.engine.clock import WEEKDAYS

    colours = plt.get_cmap(cmap).with_extremes(bad="lightgray")
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=colours, vmin=0,
                      vmax=top)  # fmt: skip
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(xlabel)
    return image


def _share_bar(fig, image, axes, label: str) -> None:
    bar = fig.colorbar(image, ax=axes)
    bar.set_label(label)
    bar.ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))


def plot_service_by_hour(service, path: Path) -> Path:
    """A week of service: the share of inbound posts answered in time, by weekday and hour
    of the day posted (grey: no post came)."""
    fig, ax = plt.subplots(figsize=(10, 3.6))
    shown = _week_image(ax, service.share, "RdYlGn", 1.0, "hour of the day posted")
    _share_bar(fig, shown, ax, f"{service.what} answered within {service.hours:g} h (%)")
    option = ", ".join(f"{k}={v:g}" for k, v in service.option.items())
    ax.set(ylabel="weekday", title=f"Service by hour of week: {option}, seed {service.seed}")
    _save(fig, path)
    return path


def plot_roster(result, path: Path) -> Path:
    """What the targets need (agents, or the work arriving when every target is a
    backlog), the planned agents, and one run's service, by weekday and hour; with temps
    for a seasonal peak, the peak's week (what it needs, the roster and temps)."""
    p = result.plan
    peak = p.peak_staffed_by_hour_of_week is not None
    required = p.peak_requirement_by_hour_of_week if peak else p.requirement_by_hour_of_week
    staffed = p.peak_staffed_by_hour_of_week if peak else p.staffed_by_hour_of_week
    queue = required.any()
    need = required if queue else p.work_by_hour_of_week
    when = " in a peak week" if peak else ""
    panels = (
        (
            need,
            f"agents the queue targets need{when}"
            if queue
            else "work arriving (staff hours an hour)",
        ),
        (staffed, "agents on the planned shifts" + (" and temps" if peak else "")),
    )
    top = max(float(staffed.max()), float(need.max()), 1.0)
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.6), sharey=True, layout="constrained")
    for ax, (values, title) in zip(axes[:2], panels, strict=True):
        image = _week_image(ax, values.reshape(7, 24), "viridis", top, "local hour of day (h)")
        ax.set_title(title)
    fig.colorbar(image, ax=axes[:2], label="agents (people) or staff hours (h)")
    shown = _week_image(axes[2], result.service_share, "RdYlGn", 1.0, "local hour of day (h)")
    what = f"{result.kind} posts" if result.kind else "inbound posts"
    axes[2].set_title(f"{what} answered within {result.window_h:g} h (one run)")
    _share_bar(fig, shown, axes[2], "share of posts answered (%)")
    axes[0].set_ylabel("weekday")
    _save_constrained(fig, path)
    return path


def plot_log_rhythm(fit, path: Path) -> Path:
    """A post log's tagged posts an hour in an average week, observed and as its scenario's
    weekday-by-hour rhythm gives them."""
    weeks = max(fit.days / 7.0, 1.0)
    observed, fitted = fit.observed / weeks, fit.fitted / weeks
    top = max(float(observed.max()), float(fitted.max()), 1e-9)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True, layout="constrained")
    for ax, values, title in ((axes[0], observed, "observed"), (axes[1], fitted, "scenario")):
        image = _week_image(ax, values, "viridis", top, "local hour of day (h)")
        ax.set_title(f"{title}: tagged posts an hour, average week")
    axes[0].set_ylabel("weekday")
    fig.colorbar(image, ax=axes, label="posts an hour (posts/h)")
    _save_constrained(fig, path)
    return path


def _save_constrained(fig, path: Path) -> None:
    """As `_save`, for a figure laid out by matplotlib's constrained layout."""
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
