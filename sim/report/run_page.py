"""A run as one page to open and share (report.html): what was run, what happened in plain
words, the headline with units, the plots, the config and provenance, a glossary."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.config.schema import Config
from sim.engine.clock import HOURS_PER_DAY
from sim.report import html
from sim.report.currency import currency_of
from sim.report.headline import HEADLINE, hours, money, readings


def stance_of(config: Config) -> str:
    """The crisis stance in force, or why there is none."""
    crisis = config.strategy.crisis
    return crisis.stance if crisis.protocol else "none (no crisis protocol)"


def what_happened(config: Config, summary: Mapping[str, float], daily: pd.DataFrame) -> list[str]:
    """The run in a few sentences a person reads without the code, from its own numbers."""
    s = summary
    days = config.days
    currency = currency_of(config)
    lines = []
    start, end = s.get("customers_start", math.nan), s.get("customers_final", math.nan)
    first_loyalty = float(daily["loyalty_mean"].iloc[0]) if len(daily) else math.nan
    lines.append(
        f"Over {days} days the brand went from {start:,.0f} to {end:,.0f} customers "
        f"({_signed_percent(end / start - 1 if start else math.nan)}); "
        f"{100 * s.get('churn_rate', math.nan):.1f} % of the starting customers were lost "
        f"along the way and others won. Mean loyalty moved from {first_loyalty:.3f} on the "
        f"first day to {s.get('loyalty_mean_final', math.nan):.3f} at the end (0 none, "
        "1 devoted)."
    )
    revenue, cost, value, horizon = (
        money(s.get(key, math.nan), currency)
        for key in (
            "revenue_total",
            "cost_to_serve_total",
            "relationship_value_total",
            "relationship_value_horizon",
        )
    )
    lines.append(
        f"Revenue was {revenue} and the cost to serve {cost}, so the relationship value over "
        f"the run was {value}; with the customers left at the end projected to "
        f"{config.value.horizon_days / 365:g} years (discounted), {horizon}."
    )
    answered = 1.0 - s.get("unanswered_share", math.nan)
    service = (
        f"The hub answered {100 * answered:.1f} % of the inbound posts "
        f"({s.get('complaints_total', math.nan):,.0f} complaints were published in all); half "
        f"of its first replies came within {hours(s.get('first_response_median_h', math.nan))} and "
        f"nine in ten within {hours(s.get('first_response_p90_h', math.nan))}. The hub's staff "
        f"were busy {100 * s.get('hub_utilisation', math.nan):.0f} % of their staffed hours."
    )
    lines.append(service)
    if config.attack.enabled:
        lines.append(_attack_story(config, s))
    return lines


def _attack_story(config: Config, s: Mapping[str, float]) -> str:
    start = config.attack.start_day
    kind = "true" if config.attack.is_true else "false"
    text = (
        f"A {kind} accusation started on day {start:g} and reached "
        f"{100 * s.get('attack_reach', math.nan):.1f} % of the people in reach."
    )
    detected = s.get("attack_detected_h", math.nan)
    responded = s.get("attack_responded_h", math.nan)
    if not config.strategy.crisis.protocol:
        text += (
            f" The strategy {config.strategy.name} has no crisis protocol: no crisis was "
            "declared and no statement made."
        )
    elif _finite(detected):
        text += f" The team detected it on day {detected / HOURS_PER_DAY:.1f}"
        if _finite(responded):
            text += (
                f" and answered with the stance '{stance_of(config)}' "
                f"{hours(responded - detected)} later"
            )
        text += "."
    else:
        text += " The team did not detect it within the run."
    recovery = s.get("attack_recovery_days", math.nan)
    if _finite(recovery):
        text += (
            f" Customers' mean loyalty was back to its level before it after {recovery:.0f} days."
        )
    else:
        text += " Customers' mean loyalty was not back to its level before it within the run."
    return text


def _finite(value: float | None) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def _signed_percent(share: float) -> str:
    return "n/a" if not _finite(share) else f"{100 * share:+.1f} %"


def run_report(
    config: Config,
    seed: int,
    summary: Mapping[str, float],
    daily: pd.DataFrame,
    provenance: Mapping,
    folder: Path,
    config_yaml: str,
) -> str:
    """The whole page; the plots are the PNGs already in `folder`."""
    people = config.population
    sample = (
        f"{people.reach:,} people in reach, a sample of {people.size:,} simulated"
        if people.reach > people.size
        else f"{people.size:,} people"
    )
    setup = (
        f"The scenario {config.scenario} under the strategy preset {config.strategy.name} "
        f"(crisis stance: {stance_of(config)}), seed {seed}, {config.days} days, {sample}."
    )
    overrides = provenance.get("overrides") or []
    prose = [html.paragraph(setup)]
    if overrides:
        prose.append(html.paragraph("Set on the command line: " + " ".join(overrides), "note"))
    for warning in provenance.get("warnings") or []:
        prose.append(html.paragraph(f"Warning: {warning}", "note"))
    currency = currency_of(config)
    rows = readings(
        summary, config.days, config.value.horizon_days, config.strategy.sla_hours, currency
    )
    sections = [
        ("", "".join(prose)),
        (
            "What happened",
            "".join(html.paragraph(t) for t in what_happened(config, summary, daily)),
        ),
        ("The headline", html.table(["metric", "value"], rows)),
    ]
    plots = sorted(Path(folder).glob("*.png"))
    if plots:
        sections.append(("Plots", "".join(html.image(p, p.stem) for p in plots)))
    sections.append(("Glossary", html.glossary(list(HEADLINE), currency.code)))
    shown = {k: provenance[k] for k in sorted(provenance) if k not in ("overrides", "warnings")}
    sections.append(
        (
            "Config and provenance",
            html.preformatted(json.dumps(shown, indent=2, sort_keys=True, default=str))
            + html.preformatted(config_yaml),
        )
    )
    return html.document(f"Run: {config.scenario} / {config.strategy.name}", sections)
