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


@dataclass
class Recommendation:
    points: pd.DataFrame  # one row per staffing option: means and CIs
    marginal: pd.DataFrame  # value of one more hub staff member, per step
    targets: dict[str, float]
    recommended: dict[str, Any] | None
    parameters: list[str]
    currency: str = "USD"  # output.currency of the scenario

    def text(self) -> str:
        """The report a person reads: every option with its units, which targets each
        misses and by how much, the recommendation and the value of one more person."""
        from functools import partial

        from sim.report.currency import Currency
        from sim.report.headline import short

        short = partial(short, currency=Currency(self.currency))
        money = ["relationship_value_total", "relationship_value_horizon"]
        shown = list(dict.fromkeys(["cost_to_serve_total", *self.targets, *money]))
        lines = [
            "# Staffing recommendation",
            "",
            "Targets, met when the upper end of the metric's 95 % interval is within them: "
            + ", ".join(f"`{k}` <= {short(k, v)}" for k, v in self.targets.items())
            + f". Money is in {self.currency}, over the run's window (value to horizon: to the "
            "horizon, discounted); each cell is a mean over the replications.",
            "",
            "| " + " | ".join([*self.parameters, "meets", *shown, "misses"]) + " |",
            "|" + "---:|" * (len(self.parameters) + 1 + len(shown)) + "---|",
        ]
        for _, row in self.points.iterrows():
            misses = [
                f"`{m}` upper {short(m, row[m + '_high'])} > {short(m, bound)}"
                for m, bound in self.targets.items()
                if not row[m + "_high"] <= bound
            ]
            cells = [f"{row[p]:g}" for p in self.parameters]
            cells.append("yes" if row["meets"] else "no")
            cells += [short(m, row[m]) for m in shown]
            cells.append("; ".join(misses) or "-")
            lines.append("| " + " | ".join(cells) + " |")
        if self.recommended is None:
            lines.append("\nNo staffing option meets every target (95 % interval upper ends).")
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
        return "\n".join(lines)


def recommend(
    data: pd.DataFrame,
    parameters: Sequence[str],
    targets: Mapping[str, float],
    currency: str = "USD",
) -> Recommendation:
    metrics = list(dict.fromkeys([*CURVE_METRICS, *targets]))
    missing = [m for m in targets if m not in data.columns]
    if missing:
        raise ConfigError(f"targets.{missing[0]}: not a summary metric")
    points = summarise_points(data, parameters, metrics)
    meets = np.ones(len(points), dtype=bool)
    for metric, bound in targets.items():
        meets &= points[f"{metric}_high"].to_numpy() <= bound
    points.insert(len(parameters), "meets", meets)
    chosen = points[meets].sort_values("cost_to_serve_total")
    recommended = chosen.iloc[0].to_dict() if len(chosen) else None
    return Recommendation(
        points,
        marginal_value(data, parameters),
        dict(targets),
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
            ):
                diff, lo, hi, _ = paired_ci(a[metric].to_numpy(), b[metric].to_numpy())
                row[f"d_{short}"] = diff / per_person
                row[f"d_{short}_low"] = lo / per_person
                row[f"d_{short}_high"] = hi / per_person
            rows.append(row)
    return pd.DataFrame(rows)


def staffing(
    scenario: str,
    staff: Sequence[int],
    targets: Mapping[str, float],
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
        targets: summary metric -> upper bound its 95% CI must stay under.
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
    if not isinstance(targets, Mapping) or not targets:
        raise ConfigError(
            f"targets={targets!r}: name at least one metric and its upper bound, "
            "e.g. {'first_response_p90_h': 1.0}"
        )
    bounds = {str(m): arguments.number(f"targets.{m}", b) for m, b in targets.items()}
    check_report_folder(Path(out), "out", "sweep")
    check_metrics(scenario, overrides, [(f"targets.{m}", m) for m in bounds])
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
        **execution,
    )
    result = recommend(load(folder), list(grid), bounds, currency)
    write_report(result, Path(out))
    write_provenance(
        Path(out),
        "staffing",
        scenario=scenario,
        grid=grid,
        targets=bounds,
        replications=replications,
        seed=seed,
        overrides=list(overrides),
    )
    from sim.report.html import save_markdown_page

    save_markdown_page(Path(out), f"Staffing: {scenario}", "staffing.md")
    return result


def write_report(result: Recommendation, out: Path) -> None:
    from sim.report.currency import Currency
    from sim.report.plots import plot_tradeoffs

    atomic_write(out / "staffing.md", lambda p: p.write_text(result.text() + "\n"))
    # every option's means and intervals, for a spreadsheet
    atomic_write(out / "staffing.csv", lambda p: result.points.to_csv(p, index=False))
    payload = {
        "currency": result.currency,
        "targets": result.targets,
        "recommended": _clean(result.recommended),
        "options": [_clean(r) for r in result.points.to_dict(orient="records")],
        "marginal": [_clean(r) for r in result.marginal.to_dict(orient="records")],
    }
    atomic_write(out / "staffing.json", lambda p: p.write_text(json.dumps(payload, indent=2)))
    plot_tradeoffs(
        result.points,
        result.parameters,
        result.recommended,
        out,
        Currency(result.currency),
        result.targets,
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
