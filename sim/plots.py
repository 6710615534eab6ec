"""PNG plots of one run's daily metrics, for students and reports.

Every time plot marks the scenario's events (attack launch, defect shocks,
seasonal peaks) and keeps its legend outside the plotting area, so nothing
hides the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

PLOT_FILES = (
    "loyalty.png",
    "customers_churn.png",
    "relationship_value.png",
    "response_backlog.png",
    "posts.png",
)


def _dollars(x: float, _pos) -> str:
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.2f}M"
    if abs(x) >= 1e3:
        return f"${x / 1e3:,.0f}k"
    return f"${x:,.0f}"


DOLLARS = FuncFormatter(_dollars)


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


def _mark(ax, events: Sequence[Event]) -> None:
    for event in events:
        if event.days > 0:
            ax.axvspan(event.day, event.day + event.days, color="tab:orange", alpha=0.08)
        ax.axvline(event.day, color="tab:red", linewidth=0.8, linestyle="--")
        ax.annotate(
            event.label,
            (event.day, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=7,
            color="tab:red",
        )


def _legend_below(ax, handles=None, labels=None, columns: int = 4) -> None:
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


def _save(fig, path: Path, rect: tuple[float, float, float, float] | None = None) -> None:
    from sim.results import atomic_write

    fig.tight_layout(rect=rect)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def plot_run(
    daily: pd.DataFrame, out: Path, title: str = "", events: Sequence[Event] = ()
) -> list[Path]:
    """Five PNGs: loyalty, customers and churn, money, response time and backlog, posts."""
    day = daily["day"]
    paths = []

    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.fill_between(day, daily["loyalty_p10"], daily["loyalty_p90"], alpha=0.25, label="p10-p90")
    ax.plot(day, daily["loyalty_mean"], label="mean")
    ax.plot(day, daily["nps_like"], "--", label="NPS-like (promoters - detractors)")
    ax.set(xlabel="day", ylabel="loyalty of customers (0-1)", title=f"Loyalty — {title}")
    _mark(ax, events)
    _legend_below(ax)
    paths.append(out / "loyalty.png")
    _save(fig, paths[-1])

    fig, ax = plt.subplots(figsize=(7, 4.4))
    for col in ("customers", "prospects", "lapsed", "competitor"):
        if col in daily:
            ax.plot(day, daily[col], label=col)
    ax2 = ax.twinx()
    ax2.bar(day, daily["churned"], color="tab:red", alpha=0.3, label="churned per day")
    ax2.set_ylabel("churned (people per day)")
    ax.set(xlabel="day", ylabel="people", title=f"Customers and churn — {title}")
    _mark(ax, events)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    _legend_below(ax, h1 + h2, l1 + l2, columns=5)
    paths.append(out / "customers_churn.png")
    _save(fig, paths[-1])

    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.plot(day, daily["revenue"].cumsum(), label="revenue")
    ax.plot(day, daily["cost_to_serve"].cumsum(), label="cost to serve")
    ax.plot(day, daily["relationship_value"].cumsum(), label="relationship value")
    ax.set(xlabel="day", ylabel="cumulative since day 0 (US$)", title=f"Money — {title}")
    ax.yaxis.set_major_formatter(DOLLARS)
    _mark(ax, events)
    _legend_below(ax, columns=3)
    paths.append(out / "relationship_value.png")
    _save(fig, paths[-1])

    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.plot(day, daily["first_response_median_h"], label="median first response")
    ax.plot(day, daily["first_response_p90_h"], label="p90 first response")
    ax.set(xlabel="day", ylabel="first response (h)", title=f"Response time and backlog — {title}")
    ax2 = ax.twinx()
    ax2.plot(day, daily["backlog"], color="tab:gray", linestyle=":", label="hub backlog")
    if "spoke_backlog" in daily:
        ax2.plot(
            day, daily["spoke_backlog"], color="tab:brown", linestyle="-.", label="spoke backlog"
        )
    ax2.set_ylabel("posts waiting at the end of the day")
    _mark(ax, events)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    _legend_below(ax, h1 + h2, l1 + l2)
    paths.append(out / "response_backlog.png")
    _save(fig, paths[-1])

    fig, ax = plt.subplots(figsize=(7, 4.4))
    kinds = [c for c in daily.columns if c.startswith("posts_")]
    bottom = None
    for col in kinds:
        ax.bar(day, daily[col], bottom=bottom, label=col.removeprefix("posts_"))
        bottom = daily[col] if bottom is None else bottom + daily[col]
    ax2 = ax.twinx()
    ax2.plot(day, daily["negative_share"], color="black", label="negative share")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("negative share of posts (0-1)")
    ax.set(xlabel="day", ylabel="posts per day", title=f"Posts by kind — {title}")
    _mark(ax, events)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    _legend_below(ax, h1 + h2, l1 + l2, columns=7)
    paths.append(out / "posts.png")
    _save(fig, paths[-1])
    return paths
