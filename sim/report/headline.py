"""A run's headline as a person reads it: money with its currency and period, shares as
percentages, hours with minutes, people and posts as whole numbers with separators."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from sim.report.currency import USD, Currency

# the headline's metrics, in the order printed, each with how to read it
HEADLINE: dict[str, str] = {
    "customers_final": "people",
    "churn_rate": "share",
    "loyalty_mean_final": "loyalty",
    "nps_like_final": "nps",
    "revenue_total": "money_window",
    "cost_to_serve_total": "money_window",
    "relationship_value_total": "money_window",
    "relationship_value_horizon": "money_horizon",
    "hub_utilisation": "share",
    "spoke_utilisation": "share",
    "first_response_median_h": "hours",
    "first_response_p90_h": "hours",
    "sla_attainment": "share",
    "unanswered_share": "share",
    "complaints_total": "posts",
    "attack_reach": "share",
}

# what a share is of, so that "48.2 %" says of what
SHARE_OF = {
    "churn_rate": "of the starting customers lost",
    "hub_utilisation": "of staffed hub hours busy",
    "spoke_utilisation": "of liaison hours busy",
    "sla_attainment": "of inbound posts answered within the {sla:g} h target",
    "unanswered_share": "of inbound posts never answered",
    "attack_reach": "of people heard the accusation",
}


def money(value: float, currency: Currency = USD) -> str:
    """$3.15 B, $349.7 M, $168,600, -$12,300: three significant figures above a million."""
    return currency.amount(value)


def hours(value: float) -> str:
    """0.15 h (9 min); 14.4 h; minutes shown below two hours; n/a when undefined."""
    if value is None or math.isnan(value):
        return "n/a"
    if value < 2:
        return f"{value:.2f} h ({value * 60:.0f} min)"
    return f"{value:,.1f} h"


def reading(
    key: str,
    value: float | None,
    days: int,
    horizon_days: int,
    sla_hours: float = 1.0,
    currency: Currency = USD,
) -> str:
    """One metric's value with its unit, period or meaning; 'n/a' when undefined."""
    kind = HEADLINE.get(key, "")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "money_window":
        return f"{money(value, currency)} over the {days} days"
    if kind == "money_horizon":
        years = horizon_days / 365
        return f"{money(value, currency)} to {years:g} years from the start (discounted)"
    if kind == "share":
        meaning = SHARE_OF.get(key, "").format(sla=sla_hours)
        return f"{100 * value:.1f} % {meaning}".rstrip()
    if kind == "hours":
        return hours(value)
    if kind == "people":
        return f"{value:,.0f} people"
    if kind == "posts":
        return f"{value:,.0f} posts"
    if kind == "loyalty":
        return f"{value:.3f} (0 none to 1 devoted)"
    if kind == "nps":
        return f"{value:+.3f} (-1 to +1)"
    return f"{value:,.4g}"


def headline(
    summary: Mapping[str, float],
    *,
    scenario: str,
    strategy: str,
    stance: str,
    seed: int,
    days: int,
    horizon_days: int,
    sla_hours: float = 1.0,
    overrides: Sequence[str] = (),
    currency: Currency = USD,
) -> str:
    """The printed headline of a run: what was run, then a line a metric."""
    lines = [f"scenario={scenario} strategy={strategy} stance={stance} seed={seed}"]
    if overrides:
        lines.append("  with " + " ".join(overrides))
    width = max(len(k) for k in HEADLINE)
    for key, value in readings(summary, days, horizon_days, sla_hours, currency):
        lines.append(f"  {key:{width}s}  {value}")
    return "\n".join(lines)


def readings(
    summary: Mapping[str, float],
    days: int,
    horizon_days: int,
    sla_hours: float = 1.0,
    currency: Currency = USD,
) -> list[tuple[str, str]]:
    """(metric, reading) for every headline metric, in the headline's order."""
    return [
        (key, reading(key, summary.get(key), days, horizon_days, sla_hours, currency))
        for key in HEADLINE
    ]


MONEY_METRICS = frozenset(
    {
        "revenue_total",
        "cost_to_serve_total",
        "relationship_value_total",
        "relationship_value_horizon",
        "customer_equity_final",
        "wages_total",
    }
)


def is_share(metric: str) -> bool:
    """Whether a summary metric is a share (shown as a percentage)."""
    return (
        metric in SHARE_OF
        or metric.endswith(("_share", "_utilisation", "_rate", "_reach"))
        or metric.startswith("answered_within_")
    )


def short(metric: str, value: float, currency: Currency = USD) -> str:
    """A metric's value in a table cell: money, hours, a percentage or a plain number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if metric in MONEY_METRICS or metric.startswith(("d_rv", "relationship_value")):
        return money(value, currency)
    if metric.endswith("_h"):
        return f"{value:,.2f} h"
    if is_share(metric):
        return f"{100 * value:.1f} %"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}"
