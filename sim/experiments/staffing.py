"""Staffing recommendation: the cheapest hub (and spoke) staffing that meets the targets.

A sweep over hub staff (and optionally shift coverage and spoke liaisons), with
replications under common random numbers. A staffing level meets a target
`metric <= value` when the upper end of the metric's 95% CI is within the
value (we want to be confident, not lucky). Among those, the recommendation
is the one with the lowest mean cost to serve. The marginal relationship value
of one more hub staff member is the paired difference between neighbouring
staffing levels (same seeds), with its CI.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError, arguments, load_config
from sim.engine.metrics import VALUE_NOTE
from sim.experiments.post_outcomes import is_post_outcome, lower_is_better
from sim.experiments.post_outcomes import parse as parse_post_outcome
from sim.experiments.runs import check_metrics
from sim.experiments.sweeps import load, summarise_points, sweep
from sim.report.io import atomic_write, check_report_folder
from sim.report.stats import paired_ci
from sim.results import write_provenance

STAFF = "team.hub.staff"
CURVE_METRICS = (
    "cost_to_serve_total",
    "relationship_value_total",
    "relationship_value_horizon",
    "customer_equity_final",
    "first_response_p90_h",
    "first_response_median_h",
    "sla_attainment",
    "churn_rate",
    "loyalty_mean_final",
)


AT_MOST, AT_LEAST = "at_most", "at_least"
# used only when the user names no target at all, and then said so
DEFAULT_TARGETS = {"first_response_p90_h": {AT_MOST: 1.0}}


@dataclass(frozen=True)
class Target:
    """A metric's bound with its direction; met by an option when its whole 95 %
    interval is on the right side (the upper end for at_most, the lower for at_least)."""

    metric: str
    direction: str  # AT_MOST or AT_LEAST
    value: float

    @property
    def sign(self) -> str:
        return "<=" if self.direction == AT_MOST else ">="

    def met(self, low: float, high: float) -> bool:
        return bool(high <= self.value if self.direction == AT_MOST else low >= self.value)

    def edge(self) -> str:
        """The end of the interval that must meet the bound: high or low."""
        return "high" if self.direction == AT_MOST else "low"

    def to_json(self) -> dict[str, float]:
        return {self.direction: self.value}


def read_targets(raw: Mapping[str, Any]) -> list[Target]:
    """Targets as a manager writes them: metric -> {at_least: v} or {at_most: v}, or a bare
    number in the metric's natural direction (at most for what is better lower, such as
    response times and churn; at least for what is better higher, such as SLA attainment;
    a metric with no natural direction, such as utilisation, must say which)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"targets={raw!r}: metric -> bound, e.g. {{first_response_p90_h: 1}}")
    out = []
    for metric, spec in raw.items():
        if isinstance(spec, Mapping):
            keys = set(spec)
            if len(keys) != 1 or not keys <= {AT_MOST, AT_LEAST}:
                raise ConfigError(
                    f"targets.{metric}={dict(spec)}: give one of at_least or at_most, "
                    f"e.g. targets.{metric}.at_most=1"
                )
            direction = next(iter(keys))
            value = arguments.number(f"targets.{metric}.{direction}", spec[direction])
        else:
            value = arguments.number(f"targets.{metric}", spec)
            if "utilisation" in metric:
                raise ConfigError(
                    f"targets.{metric}={spec}: say the direction, "
                    f"targets.{metric}.at_most={spec} or targets.{metric}.at_least={spec}"
                )
            direction = AT_MOST if lower_is_better(str(metric)) else AT_LEAST
        out.append(Target(str(metric), direction, value))
    return out


@dataclass
class ServiceByHour:
    """One run of an option: the share of inbound posts answered within `hours`, by
    weekday (rows, Monday first) and hour of the day posted (columns)."""

    option: dict[str, float]
    seed: int
    hours: float
    share: np.ndarray  # 7 x 24, NaN where no post came
    posts: np.ndarray  # 7 x 24
    kind: str | None = None  # of one kind's posts (a target's); None: every inbound post

    @property
    def what(self) -> str:
        return f"{self.kind} posts" if self.kind else "inbound posts"

    def blocks(self, width: int = 4) -> list[tuple[str, float, int]]:
        """(hours of the day, share answered, posts) in blocks of `width` hours."""
        out = []
        for start in range(0, 24, width):
            posts = self.posts[:, start : start + width]
            hits = np.nansum(self.share[:, start : start + width] * posts)
            n = int(posts.sum())
            out.append((f"{start:02d}:00-{start + width:02d}:00", hits / n if n else np.nan, n))
        return out

    def frame(self) -> pd.DataFrame:
        from sim.engine.clock import WEEKDAYS

        return pd.DataFrame(
            [
                {"weekday": WEEKDAYS[d], "hour": h, "posts": int(self.posts[d, h]),
                 "answered_within_share": self.share[d, h]}
                for d in range(7)
                for h in range(24)
            ]
        )  # fmt: skip


@dataclass
class Recommendation:
    points: pd.DataFrame  # one row per staffing option: means and CIs
    marginal: pd.DataFrame  # value of one more hub staff member, per step
    targets: list[Target]
    recommended: dict[str, Any] | None
    parameters: list[str]
    currency: str = "USD"  # output.currency of the scenario
    assumed_targets: bool = False  # the user named none: the default was used
    service: ServiceByHour | None = None  # the chosen option's service by hour of week

    def text(self) -> str:
        """The report a person reads: every option with its units, which targets each
        misses and by how much, the recommendation and the value of one more person."""
        from functools import partial

        from sim.report.currency import Currency
        from sim.report.headline import short

        short = partial(short, currency=Currency(self.currency))
        money = ["relationship_value_total", "relationship_value_horizon"]
        metrics = [t.metric for t in self.targets]
        shown = list(dict.fromkeys(["cost_to_serve_total", *metrics, "hub_utilisation", *money]))
        shown = [m for m in shown if m in self.points]
        lines = ["# Staffing recommendation", ""]
        if self.assumed_targets:
            lines += [
                "**No target was given: the default, p90 first response at most 1 h, was "
                "assumed.**",
                "",
            ]
        lines += [
            "Targets, met when the metric's whole 95 % interval is within them (its upper "
            "end for an upper bound, its lower end for a lower bound): "
            + ", ".join(f"`{t.metric}` {t.sign} {short(t.metric, t.value)}" for t in self.targets)
            + f". Money is in {self.currency}, over the run's window (value to horizon: to the "
            "horizon, discounted); hub_utilisation is the occupancy of staffed hub hours; each "
            "cell is a mean over the replications.",
            "",
            "| " + " | ".join([*self.parameters, "meets", *shown, "misses"]) + " |",
            "|" + "---:|" * (len(self.parameters) + 1 + len(shown)) + "---|",
        ]
        for _, row in self.points.iterrows():
            misses = [
                f"`{t.metric}` {'upper' if t.direction == AT_MOST else 'lower'} "
                f"{short(t.metric, row[t.metric + '_' + t.edge()])} "
                f"{'>' if t.direction == AT_MOST else '<'} {short(t.metric, t.value)}"
                for t in self.targets
                if not t.met(row[t.metric + "_low"], row[t.metric + "_high"])
            ]
            cells = [f"{row[p]:g}" for p in self.parameters]
            cells.append("yes" if row["meets"] else "no")
            cells += [short(m, row[m]) for m in shown]
            cells.append("; ".join(misses) or "-")
            lines.append("| " + " | ".join(cells) + " |")
        if self.recommended is None:
            lines.append("\nNo staffing option meets every target (95 % intervals).")
        else:
            r = self.recommended
            option = ", ".join(f"{k}={r[k]:g}" for k in self.parameters)
            lines.append(
                f"\n**Recommended: {option}**, the cheapest option that meets every target:"
            )
            for metric in shown:
                lines.append(
                    f"- `{metric}` {short(metric, r[metric])} (95 % interval "
                    f"{short(metric, r[metric + '_low'])} to {short(metric, r[metric + '_high'])})"
                )
        if not self.marginal.empty:
            lines += [
                "",
                "Value of one more hub staff member (paired differences between neighbouring "
                "levels, same seeds; per person added, 95 % interval):",
                "",
                "| from | to | value in the window | value to horizon |",
                "|---:|---:|---:|---:|",
            ]
            for _, m in self.marginal.iterrows():
                cells = [f"{m['from_staff']:g}", f"{m['to_staff']:g}"]
                for short_name in ("rv", "rv_horizon"):
                    key = f"d_{short_name}"
                    cells.append(
                        f"{short(key, m[key])} [{short(key, m[key + '_low'])}, "
                        f"{short(key, m[key + '_high'])}]"
                    )
                lines.append("| " + " | ".join(cells) + " |")
            lines.append(f"\n{VALUE_NOTE}")
            if "d_revenue_low" in self.marginal and "d_cost" in self.marginal:
                lines.append("\n" + _carries(self.marginal, short))
        if self.service is not None:
            service = self.service
            option = ", ".join(f"{k}={v:g}" for k, v in service.option.items())
            lines += [
                "",
                "## Service by hour of the day",
                "",
                f"{option} ({'recommended' if self.recommended else 'the most staffed'}), "
                f"one run (seed {service.seed}): the share of {service.what} answered within "
                f"{service.hours:g} h, by the hour they were posted (service_by_hour.csv has "
                "every hour of the week; service_by_hour.png shows it):",
                "",
                "| posted | answered in time | posts |",
                "|---|---:|---:|",
            ]
            lines += [
                f"| {block} | {short('x_share', value)} | {posts:,} |"
                for block, value, posts in service.blocks()
            ]
        return "\n".join(lines)


def _carries(marginal: pd.DataFrame, short) -> str:
    """Whether one more person changes what customers spend, or only the cost."""
    unclear = marginal[(marginal["d_revenue_low"] <= 0) & (marginal["d_revenue_high"] >= 0)]
    if len(unclear) == len(marginal):
        return (
            "In every step the revenue difference's 95 % interval includes 0: within the "
            "window, one more person changes the cost to serve by "
            + ", ".join(short("d_rv", c) for c in marginal["d_cost"])
            + " (per person added, step by step), not measurably what customers spend; the "
            "in-window value ranks the options by their cost."
        )
    steps = ", ".join(
        f"{r['from_staff']:g} to {r['to_staff']:g}"
        for _, r in marginal.drop(unclear.index).iterrows()
    )
    return (
        f"Revenue changes beyond its 95 % interval from {steps} hub staff: there the extra "
        "service moves what customers spend, not only the cost."
    )


def recommend(
    data: pd.DataFrame,
    parameters: Sequence[str],
    targets: Mapping[str, Any] | Sequence[Target],
    currency: str = "USD",
) -> Recommendation:
    targets = read_targets(targets) if isinstance(targets, Mapping) else list(targets)
    metrics = list(dict.fromkeys([*CURVE_METRICS, *(t.metric for t in targets)]))
    missing = [t.metric for t in targets if t.metric not in data.columns]
    if missing:
        raise ConfigError(f"targets.{missing[0]}: not a summary metric")
    points = summarise_points(data, parameters, [m for m in metrics if m in data.columns])
    meets = np.ones(len(points), dtype=bool)
    for target in targets:
        low = points[f"{target.metric}_low"].to_numpy()
        high = points[f"{target.metric}_high"].to_numpy()
        meets &= np.array([target.met(lo, hi) for lo, hi in zip(low, high, strict=True)])
    points.insert(len(parameters), "meets", meets)
    chosen = points[meets].sort_values("cost_to_serve_total")
    recommended = chosen.iloc[0].to_dict() if len(chosen) else None
    return Recommendation(
        points,
        marginal_value(data, parameters),
        targets,
        recommended,
        list(parameters),
        currency,
    )


def marginal_value(data: pd.DataFrame, parameters: Sequence[str]) -> pd.DataFrame:
    """Paired difference in money between staff s+1 and s (other parameters fixed)."""
    ok = data[data["status"] == "ok"]
    others = [p for p in parameters if p != STAFF]
    rows = []
    groups = ok.groupby(others) if others else [((), ok)]
    for key, group in groups:
        levels = sorted(group[STAFF].unique())
        for low, high in itertools.pairwise(levels):
            a = group[group[STAFF] == high].set_index("replication")
            b = group[group[STAFF] == low].set_index("replication").reindex(a.index)
            row = dict(zip(others, key if isinstance(key, tuple) else (key,), strict=False))
            row["from_staff"], row["to_staff"] = int(low), int(high)
            per_person = float(high - low)
            for metric, short in (
                ("relationship_value_total", "rv"),
                ("relationship_value_horizon", "rv_horizon"),
                ("revenue_total", "revenue"),
                ("cost_to_serve_total", "cost"),
            ):
                if metric not in a.columns:
                    continue
                diff, lo, hi, _ = paired_ci(a[metric].to_numpy(), b[metric].to_numpy())
                row[f"d_{short}"] = diff / per_person
                row[f"d_{short}_low"] = lo / per_person
                row[f"d_{short}_high"] = hi / per_person
            rows.append(row)
    return pd.DataFrame(rows)


def staffing(
    scenario: str,
    staff: Sequence[int],
    targets: Mapping[str, Any] | None = None,
    replications: int = 10,
    seed: int = 0,
    out: str | Path = "staffing",
    overrides: Sequence[str] = (),
    coverage_hours: Sequence[float] = (),
    spokes: Mapping[str, Sequence[int]] | None = None,
    **execution: Any,
) -> Recommendation:
    """Sweep staffing options, recommend one, and write the report and trade-off plots.

    Args:
        staff: hub staff counts to try (>= 0).
        targets: summary metric -> {at_most: v} or {at_least: v}, or a bare number in
            the metric's natural direction (see `read_targets`). None or empty: the
            default, p90 first response at most 1 h, and the report says it was assumed.
        coverage_hours: hub coverage hours a day to try as well (optional).
        spokes: department -> liaison counts to try as well (optional).

    Returns:
        The `Recommendation`: the cheapest option meeting every target (if any),
        the points table and the marginal value of one more hub staff member.

    `execution` goes to :func:`sim.experiments.sweep`: jobs, executor, address, progress.
    """
    if isinstance(staff, (str, int)) or not list(staff):
        raise ConfigError(f"staff={staff!r}: needs a non-empty list of hub staff counts >= 0")
    counts = [arguments.integer(f"staff[{i}]", s, 0) for i, s in enumerate(staff)]
    assumed = not targets
    bounds = read_targets(DEFAULT_TARGETS if assumed else targets)
    check_report_folder(Path(out), "out", "sweep")
    from_posts = [t.metric for t in bounds if is_post_outcome(t.metric)]
    for name in from_posts:
        parse_post_outcome(name)
    check_metrics(
        scenario, overrides,
        [(f"targets.{t.metric}", t.metric) for t in bounds if t.metric not in from_posts],
    )  # fmt: skip
    currency = load_config(scenario, list(overrides)).output.currency
    grid: dict[str, list[Any]] = {STAFF: sorted(set(counts))}
    if coverage_hours:
        grid["team.hub.coverage_hours"] = [
            arguments.number(f"coverage_hours[{i}]", c, 0, 24) for i, c in enumerate(coverage_hours)
        ]
    for department, liaisons in (spokes or {}).items():
        grid[f"team.spokes.{department}.liaisons"] = [
            arguments.integer(f"spokes.{department}[{i}]", c, 0) for i, c in enumerate(liaisons)
        ]
    folder = sweep(
        scenario,
        grid=grid,
        replications=replications,
        seed=seed,
        out=Path(out) / "sweep",
        overrides=overrides,
        post_outcomes=from_posts,
        **execution,
    )
    result = recommend(load(folder), list(grid), bounds, currency)
    result.assumed_targets = assumed
    result.service = service_by_hour(scenario, overrides, result, seed, bounds)
    write_report(result, Path(out))
    write_provenance(
        Path(out),
        "staffing",
        scenario=scenario,
        grid=grid,
        targets={t.metric: t.to_json() for t in bounds},
        targets_assumed=assumed,
        replications=replications,
        seed=seed,
        overrides=list(overrides),
    )
    from sim.report.html import save_markdown_page

    save_markdown_page(Path(out), f"Staffing: {scenario}", "staffing.md")
    return result


def service_by_hour(
    scenario: str,
    overrides: Sequence[str],
    result: Recommendation,
    seed: int,
    targets: Sequence[Target] = (),
) -> ServiceByHour:
    """The recommended option (else the most staffed) run once with its post log: service
    by the hour of the week posts were made, within the window and of the kind of the
    shortest `answered_within_Nh[@KIND]` target (else the strategy's sla_hours, every
    inbound post)."""
    from sim.experiments.post_outcomes import by_hour_of_week
    from sim.experiments.runs import format_value
    from sim.results import run

    points = result.points.sort_values(result.parameters[0])
    option = result.recommended or points.iloc[-1].to_dict()
    values = {k: option[k] for k in result.parameters}
    whole = {k: int(v) if float(v).is_integer() else float(v) for k, v in values.items()}
    settings = [*overrides, *(f"{k}={format_value(v)}" for k, v in whole.items())]
    config = load_config(scenario, [*settings, "output.posts=true"])
    log = run(config, seed).posts
    shares = [
        parse_post_outcome(t.metric)
        for t in targets
        if t.metric.startswith("answered_within_") and t.direction == AT_LEAST
    ]
    first = min(shares, key=lambda o: o.hours, default=None)
    hours, kind = (first.hours, first.kind) if first else (config.strategy.sla_hours, None)
    share, posts = by_hour_of_week(log, hours, kind)
    return ServiceByHour(whole, seed, hours, share, posts, kind)


def write_report(result: Recommendation, out: Path) -> None:
    from sim.report.currency import Currency
    from sim.report.plots import plot_tradeoffs

    atomic_write(out / "staffing.md", lambda p: p.write_text(result.text() + "\n"))
    # every option's means and intervals, for a spreadsheet
    atomic_write(out / "staffing.csv", lambda p: result.points.to_csv(p, index=False))
    payload = {
        "currency": result.currency,
        "targets": {t.metric: t.to_json() for t in result.targets},
        "targets_assumed": result.assumed_targets,
        "recommended": _clean(result.recommended),
        "options": [_clean(r) for r in result.points.to_dict(orient="records")],
        "marginal": [_clean(r) for r in result.marginal.to_dict(orient="records")],
    }
    atomic_write(out / "staffing.json", lambda p: p.write_text(json.dumps(payload, indent=2)))
    if result.service is not None:
        from sim.report.plots import plot_service_by_hour

        frame = result.service.frame()
        atomic_write(out / "service_by_hour.csv", lambda p: frame.to_csv(p, index=False))
        plot_service_by_hour(result.service, out / "service_by_hour.png")
    plot_tradeoffs(
        result.points,
        result.parameters,
        result.recommended,
        out,
        Currency(result.currency),
        {t.metric: t for t in result.targets},
    )


def _clean(row: dict | None) -> dict | None:
    if row is None:
        return None
    out = {}
    for k, v in row.items():
        if isinstance(v, (np.floating, float)):
            out[k] = None if not np.isfinite(v) else float(v)
        elif isinstance(v, (np.integer, np.bool_)):
            out[k] = v.item()
        else:
            out[k] = v
    return out
