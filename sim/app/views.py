"""The app's live figures, drawn from the model's daily rows (`model.rows`, one dict a day).

Each function returns a matplotlib `Figure` built without pyplot: pyplot keeps
global state, and a classroom's sessions draw at the same time in threads of
one server. The axes run over the whole scenario from the first day, so the
event markers (attack, defect shocks, peaks) show what is coming and the
lines grow into a fixed frame. The run report's conventions are reused
(sim.report.plots): quantity and unit on every axis, dollars on money, event
markers, legends below the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.config.schema import POST_KINDS, Config
from sim.engine.population import SPREADING, STIFLED
from sim.report.plots import (
    DOLLARS,
    Event,
    decorate,
    legend_below,
    mark_events,
    scenario_events,
)

SIZE = (6.4, 3.5)  # fits a SolaraViz grid cell (about 380 px tall) without a scrollbar
CMAP = "RdYlGn"  # loyalty: red (low) to green (high)


def _column(rows: Sequence[dict], key: str) -> np.ndarray:
    return np.array([row.get(key, np.nan) for row in rows], dtype=float)


def _frame(config: Config, title: str, ylabel: str) -> tuple[Figure, object]:
    fig = Figure(figsize=SIZE, dpi=100)
    ax = fig.add_subplot()
    ax.set(xlabel="day", ylabel=ylabel, title=title, xlim=(0, config.days + 1))
    ax.title.set_fontsize(10)
    return fig, ax


def _twin_frame(
    config: Config, title: str, ylabel: str, right: str, **right_axis
) -> tuple[Figure, object, object]:
    """A figure with a second quantity on the right axis (its label and limits)."""
    fig, ax = _frame(config, title, ylabel)
    ax2 = ax.twinx()
    ax2.set(ylabel=right, **right_axis)
    return fig, ax, ax2


def _done(
    fig: Figure, config: Config, ax, *twins, columns: int = 3, events: Sequence[Event] = ()
) -> Figure:
    """Mark the scenario's events and the run's own so far (`events`: the crisis declared,
    the statement), put the legend below, lay out."""
    decorate(ax, [*scenario_events(config), *events], *twins, columns=columns)
    fig.tight_layout()
    return fig


def loyalty(rows: Sequence[dict], config: Config, events: Sequence[Event] = ()) -> Figure:
    fig, ax = _frame(config, "Loyalty of customers", "loyalty (0-1) / NPS-like (-1 to +1)")
    day = _column(rows, "day")
    if len(day):
        ax.fill_between(
            day,
            _column(rows, "loyalty_p10"),
            _column(rows, "loyalty_p90"),
            alpha=0.25,
            label="p10-p90 band",
        )
        ax.plot(day, _column(rows, "loyalty_mean"), label="mean loyalty")
        ax.plot(day, _column(rows, "nps_like"), "--", label="NPS-like")
    ax.set_ylim(-1.0, 1.0)  # the NPS-like score runs from -1 to +1 (loyalty 0 to 1)
    return _done(fig, config, ax, events=events)


def customers(rows: Sequence[dict], config: Config, events: Sequence[Event] = ()) -> Figure:
    fig, ax, ax2 = _twin_frame(config, "Customers and churn", "people", "churned (people a day)")
    day = _column(rows, "day")
    if len(day):
        ax.plot(day, _column(rows, "customers"), label="customers")
        ax.plot(day, _column(rows, "lapsed"), label="lapsed")
        ax.plot(day, _column(rows, "competitor"), label="with a competitor")
        ax2.fill_between(
            day, _column(rows, "churned"), step="mid", color="tab:red", alpha=0.3,
            label="churned a day",
        )  # fmt: skip
    return _done(fig, config, ax, ax2, columns=4, events=events)


def posts(rows: Sequence[dict], config: Config, events: Sequence[Event] = ()) -> Figure:
    fig, ax, ax2 = _twin_frame(
        config, "Inbound posts by kind", "posts a day", "negative share of posts (%)", ylim=(0, 100)
    )
    day = _column(rows, "day")
    if len(day):
        # one stacked area per kind, not a bar per kind per day: a year of bars is
        # thousands of patches, and each redraw of the live figure paid for them
        counts = [np.nan_to_num(_column(rows, f"posts_{kind}")) for kind in POST_KINDS]
        ax.stackplot(day, *counts, labels=POST_KINDS, step="mid")
        ax2.plot(day, 100 * _column(rows, "negative_share"), color="black", label="negative %")
    return _done(fig, config, ax, ax2, columns=4, events=events)


def service(rows: Sequence[dict], config: Config, events: Sequence[Event] = ()) -> Figure:
    fig, ax, ax2 = _twin_frame(
        config, "The hub's queue", "backlog (posts waiting)", "first response, median (h)"
    )
    day = _column(rows, "day")
    if len(day):
        ax.fill_between(
            day, _column(rows, "backlog"), step="mid", color="tab:gray", alpha=0.5, label="backlog"
        )
        ax2.plot(
            day,
            _column(rows, "first_response_median_h"),
            color="tab:blue",
            marker=".",
            label="median first response",
        )
        ax2.axhline(
            config.strategy.sla_hours,
            color="tab:blue",
            linestyle=":",
            linewidth=0.8,
            label=f"target {config.strategy.sla_hours:g} h",
        )
    return _done(fig, config, ax, ax2, events=events)


def attack(rows: Sequence[dict], config: Config, events: Sequence[Event] = ()) -> Figure:
    fig, ax, ax2 = _twin_frame(
        config, "The accusation", "heard it (% of everyone in reach)", "spreading it now (people)"
    )
    day = _column(rows, "day")
    if len(day):
        ax.plot(day, 100 * _column(rows, "attack_aware_share"), color="tab:purple", label="aware")
        ax2.plot(day, _column(rows, "attack_spreaders"), color="tab:red", label="spreaders")
    if not config.attack.enabled:
        ax.text(0.5, 0.5, "no attack in this scenario", transform=ax.transAxes, ha="center")
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    return _done(fig, config, ax, ax2, events=events)


def money(
    rows: Sequence[dict],
    config: Config,
    horizon: dict | None = None,
    events: Sequence[Event] = (),
) -> Figure:
    title = "Money"
    if horizon:
        value = horizon["relationship_value_horizon"]
        title += f" — horizon value ${value / 1e6:,.2f}M (as of day {horizon['day']:.0f})"
    fig, ax, ax2 = _twin_frame(config, title, "$ a day", "in-window value, cumulative ($)")
    day = _column(rows, "day")
    if len(day):
        revenue, cost = _column(rows, "revenue"), _column(rows, "cost_to_serve")
        ax.plot(day, revenue, color="tab:green", label="revenue")
        ax.plot(day, cost, color="tab:red", label="cost to serve")
        ax2.plot(day, np.cumsum(revenue - cost), color="black", label="in-window value")
    ax.yaxis.set_major_formatter(DOLLARS)
    ax2.yaxis.set_major_formatter(DOLLARS)
    return _done(fig, config, ax, ax2, events=events)


def differences(diff: dict[str, np.ndarray], config: Config, label: str) -> Figure:
    """What-if: B minus A, day by day, on three stacked axes."""
    fig = Figure(figsize=(6.4, 6.4), dpi=100)
    axes = fig.subplots(3, 1, sharex=True)
    panels = (
        ("loyalty_mean", "mean loyalty, B - A (0-1 scale)", None),
        ("customers", "customers, B - A (people)", None),
        ("value", "in-window value, B - A ($)", DOLLARS),
    )
    for ax, (key, ylabel, formatter) in zip(axes, panels, strict=True):
        if len(diff["day"]):
            ax.plot(diff["day"], diff[key], color="tab:blue", label=label)
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.set_ylabel(ylabel, fontsize=8)
        if formatter is not None:
            ax.yaxis.set_major_formatter(formatter)
        mark_events(ax, scenario_events(config))
    axes[0].set_title(f"What if: {label}", fontsize=10)
    axes[-1].set(xlabel="day", xlim=(0, config.days + 1))
    fig.tight_layout()
    return fig


def network(sample, crisis: np.ndarray, loyalty: np.ndarray, day: int) -> Figure:
    """The sampled follower network: fill = loyalty, ring = rumour state."""
    fig = Figure(figsize=(5.6, 3.7), dpi=100)
    ax = fig.add_subplot()
    if len(sample.edges):
        segments = sample.xy[sample.edges]  # (k, 2, 2)
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(segments, colors="0.8", linewidths=0.4, zorder=1))
    state = crisis[sample.nodes]
    ring = np.where(state == SPREADING, "tab:red", np.where(state == STIFLED, "black", "0.6"))
    width = np.where(state == 0, 0.3, 1.6)
    points = ax.scatter(
        sample.xy[:, 0],
        sample.xy[:, 1],
        c=loyalty[sample.nodes],
        cmap=CMAP,
        norm=Normalize(0.0, 1.0),
        s=np.where(state == SPREADING, 46, 22),
        edgecolors=ring,
        linewidths=width,
        zorder=2,
    )
    colorbar = fig.colorbar(points, ax=ax, shrink=0.7, pad=0.02)
    colorbar.set_label("loyalty (0-1)")
    note = "complete graph: links not drawn" if sample.complete else "grey lines: follows"
    ax.set_title(
        f"{len(sample.nodes)} people of the follower network, day {day} ({note})", fontsize=9
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.autoscale_view()
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor=c,
            markeredgewidth=1.6,
            label=label,
        )
        for c, label in (
            ("0.6", "has not heard it"),
            ("tab:red", "spreading"),
            ("black", "heard it, stopped"),
        )
    ]
    legend_below(ax, handles, [h.get_label() for h in handles], columns=3)
    fig.tight_layout()
    return fig
